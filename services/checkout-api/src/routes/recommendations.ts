/**
 * GET /api/products/{id}/recommendations and GET /api/recommendations/popular: public, cached by
 * Cache-Control like the catalog routes (recommendations.ts ranks them). An unknown or inactive
 * product is a 404, as GET /api/products/{id} answers it.
 */
import type { FastifyPluginAsync } from 'fastify';
import { HttpError } from '../http-error';
import type { Recommender } from '../recommendations';
import { contractRoute } from './contract-route';

export interface RecommendationRoutesOptions {
  readonly recommender: Recommender;
  readonly catalogCacheTtlSeconds: number;
}

export const recommendationRoutes: FastifyPluginAsync<RecommendationRoutesOptions> = async (app, options) => {
  const { recommender } = options;
  const publicCache = `public, max-age=${options.catalogCacheTtlSeconds}`;
  contractRoute(app, 'getRecommendations', async (request, reply) => {
    const products = await recommender.forProduct(request.params.id);
    reply.header('cache-control', publicCache);
    if (!products) throw new HttpError(404, 'Product not found');
    return { products };
  });
  contractRoute(app, 'getPopular', async (_request, reply) => {
    const products = await recommender.popular();
    reply.header('cache-control', publicCache);
    return { products };
  });
};

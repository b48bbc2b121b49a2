/** GET /api/products and /api/products/{id}: public, cached (in the process and by Cache-Control). */
import type { FastifyPluginAsync } from 'fastify';
import type { Catalog } from '../catalog';
import { HttpError } from '../http-error';
import { contractRoute } from './contract-route';

export interface CatalogRoutesOptions {
  readonly catalog: Catalog;
  readonly catalogCacheTtlSeconds: number;
}

export const catalogRoutes: FastifyPluginAsync<CatalogRoutesOptions> = async (app, options) => {
  const { catalog } = options;
  const publicCache = `public, max-age=${options.catalogCacheTtlSeconds}`;
  contractRoute(app, 'listProducts', async (_request, reply) => {
    const products = await catalog.list();
    reply.header('cache-control', publicCache);
    return { products };
  });
  contractRoute(app, 'getProduct', async (request, reply) => {
    const product = await catalog.get(request.params.id);
    reply.header('cache-control', publicCache);
    if (!product) throw new HttpError(404, 'Product not found');
    return product;
  });
};

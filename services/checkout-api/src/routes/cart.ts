/** GET and PUT /api/cart: the signed-in customer's cart (DynamoDB Carts). */
import type { FastifyPluginAsync } from 'fastify';
import type { Carts } from '../carts';
import { contractRoute } from './contract-route';

export const cartRoutes: FastifyPluginAsync<{ readonly carts: Carts }> = async (app, { carts }) => {
  contractRoute(app, 'getCart', async (request) => carts.get(request.customerId));
  contractRoute(app, 'putCart', async (request) => carts.put(request.customerId, request.body.items));
};

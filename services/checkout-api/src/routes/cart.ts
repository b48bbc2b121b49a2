/**
 * GET and PUT /api/cart: the signed-in customer's cart (DynamoDB Carts). A PUT with items also
 * sends the delayed abandoned-cart reminder of the cart's new version (cart-reminders.ts); an
 * empty cart sends none.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { CartReminderSender } from '../cart-reminders';
import { noReminders } from '../cart-reminders';
import type { Carts } from '../carts';
import { contractRoute } from './contract-route';

export interface CartRoutesOptions {
  readonly carts: Carts;
  /** @default noReminders */
  readonly reminders?: CartReminderSender;
}

export const cartRoutes: FastifyPluginAsync<CartRoutesOptions> = async (app, { carts, reminders = noReminders }) => {
  contractRoute(app, 'getCart', async (request) => carts.get(request.customerId));
  contractRoute(app, 'putCart', async (request) => {
    const { cart, version } = await carts.put(request.customerId, request.body.items);
    if (cart.items.length > 0 && Number.isSafeInteger(version) && version > 0) {
      await reminders.remind(request.customerId, version, request.log);
    }
    return cart;
  });
};

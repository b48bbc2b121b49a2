/**
 * Request schemas, built from the contract's pieces (contracts/order.ts) so the API accepts
 * exactly what the order message can carry. Objects are strict: an unknown field is a 400 that
 * names it, not something silently dropped.
 */
import * as z from '@securecart/contracts/zod';
import { AddressSchema, ORDER_ID_PATTERN, OrderItemSchema, OrderSchema } from '@securecart/contracts/order';

const strictItem = z.strictObject(OrderItemSchema.shape);
const strictAddress = z.strictObject(AddressSchema.shape);

const noDuplicateProducts = z.refine<{ productId: string }[]>(
  (items) => new Set(items.map((i) => i.productId)).size === items.length,
  { message: 'each productId may appear only once' },
);

/**
 * POST /api/orders: the order minus what the server assigns (orderId, customerId = the token's
 * sub, createdAt, schemaVersion, currency).
 */
export const CreateOrderBodySchema = z.strictObject({
  items: z.array(strictItem).check(z.minLength(1), z.maxLength(50), noDuplicateProducts),
  shippingAddress: strictAddress,
  payment: z.strictObject(OrderSchema.shape.payment.shape),
  clientTotalCents: OrderSchema.shape.clientTotalCents,
});
export type CreateOrderBody = z.infer<typeof CreateOrderBodySchema>;

/** PUT /api/cart: the whole cart (an empty list empties it). */
export const CartBodySchema = z.strictObject({
  items: z.array(strictItem).check(z.maxLength(50), noDuplicateProducts),
});
export type CartBody = z.infer<typeof CartBodySchema>;

/** `Idempotency-Key`: a client-chosen id (a UUID fits), scoped to the customer. */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_-]{8,128}$/;

export const OrderIdParamsSchema = z.strictObject({
  id: z.string().check(z.regex(ORDER_ID_PATTERN)),
});

export const ProductIdParamsSchema = z.strictObject({
  id: z.string().check(z.minLength(1), z.maxLength(64)),
});

export const ListOrdersQuerySchema = z.strictObject({
  limit: z.optional(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100))),
  cursor: z.optional(z.string().check(z.maxLength(200))),
});

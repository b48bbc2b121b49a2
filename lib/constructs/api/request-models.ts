import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as z from '@securecart/contracts/zod';
import { AddressSchema, OrderItemSchema, OrderSchema } from '@securecart/contracts/order';

/**
 * The body of `POST /api/orders`, built from the contract's pieces exactly as the service builds
 * its `CreateOrderBodySchema` (services/checkout-api/src/schemas.ts): the order minus what the
 * server assigns, strict objects. That schema lives only in the service; test/api.test.ts checks
 * the two produce the same JSON Schema, so they cannot drift apart unnoticed.
 * (The service's "each productId once" refinement has no JSON Schema form; the service checks it.)
 */
export const CreateOrderRequestSchema = z.strictObject({
  items: z.array(z.strictObject(OrderItemSchema.shape)).check(z.minLength(1), z.maxLength(50)),
  shippingAddress: z.strictObject(AddressSchema.shape),
  payment: z.strictObject(OrderSchema.shape.payment.shape),
  clientTotalCents: OrderSchema.shape.clientTotalCents,
});

/** JSON Schema draft 4 (API Gateway's model dialect) of a contract schema. */
export function toModelSchema(schema: z.ZodMiniType): apigw.JsonSchema {
  return z.toJSONSchema(schema, { target: 'draft-4' }) as apigw.JsonSchema;
}

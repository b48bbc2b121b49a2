import { AddressSchema, COUNTRY_PATTERN, OrderSchema, PAYMENT_TOKEN_PATTERN } from './order';
import type { Address, Order } from './order';
import * as z from './zod';

/*
 * The claim check (docs/adr/0019-claim-check-for-payment-data.md). The order message is the only
 * hand-off of the payment token and the shipping address to the pipeline: start-fulfillment puts
 * them into the OrderClaims table (pipeline key, short TTL) under a random reference, and starts
 * the execution with the order WITHOUT them (`WorkflowOrder`). Only the steps that need them read
 * them back: process-payment the token, create-shipment the address. The token's claim is deleted
 * once the charge is captured or declined, or by the refund; an expired or missing claim is never
 * charged.
 */

/** The claim reference in the execution input: a random UUID, not derived from the order. */
export const CLAIM_REF_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * How long a claim may be read, in hours: longer than an execution may run (the state machine
 * times out after 2 hours; `test/pipeline.test.ts` checks the two agree). DynamoDB's TTL removes
 * the item some time after; readers refuse an expired claim themselves.
 */
export const ORDER_CLAIM_TTL_HOURS = 3;

/** The two kinds of claim of an order, each its own item (and IAM leading-key prefix). */
export const CLAIM_KINDS = ['payment', 'shipping'] as const;
export type ClaimKind = (typeof CLAIM_KINDS)[number];
/** The OrderClaims key of a claim: `<kind>#<ref>`. */
export const claimKey = (kind: ClaimKind, ref: string) => `${kind}#${ref}`;

interface ClaimBase {
  /** `claimKey(kind, ref)`: the partition key (`TABLE_KEYS.orderClaims.partitionKey`). */
  readonly claimId: string;
  readonly orderId: string;
  /** The TTL attribute (`TABLE_KEYS.orderClaims.ttlAttribute`), epoch seconds. */
  readonly expiresAt: number;
}
export interface PaymentClaim extends ClaimBase {
  readonly kind: 'payment';
  readonly paymentToken: string;
}
export interface ShippingClaim extends ClaimBase {
  readonly kind: 'shipping';
  readonly shippingAddress: Address;
}
export type OrderClaim = PaymentClaim | ShippingClaim;

/** The claims of an order, put by start-fulfillment before it starts the execution. */
export function orderClaims(order: Order, ref: string, now: Date): [PaymentClaim, ShippingClaim] {
  const expiresAt = Math.floor(now.getTime() / 1000) + ORDER_CLAIM_TTL_HOURS * 3600;
  const base = { orderId: order.orderId, expiresAt };
  return [
    { ...base, claimId: claimKey('payment', ref), kind: 'payment', paymentToken: order.payment.token },
    { ...base, claimId: claimKey('shipping', ref), kind: 'shipping', shippingAddress: order.shippingAddress },
  ];
}

/** A claim as read back: for this order, of this kind, well formed and not expired; undefined otherwise. */
export function usableClaim<K extends ClaimKind>(
  item: Record<string, unknown> | undefined,
  kind: K,
  orderId: string,
  now: Date,
): (K extends 'payment' ? PaymentClaim : ShippingClaim) | undefined {
  if (!item || item.kind !== kind || item.orderId !== orderId) return undefined;
  if (typeof item.expiresAt !== 'number' || item.expiresAt * 1000 <= now.getTime()) return undefined;
  const ok =
    kind === 'payment'
      ? typeof item.paymentToken === 'string' && PAYMENT_TOKEN_PATTERN.test(item.paymentToken)
      : AddressSchema.safeParse(item.shippingAddress).success;
  return ok ? (item as unknown as K extends 'payment' ? PaymentClaim : ShippingClaim) : undefined;
}

export const ClaimRefSchema = z.string().check(z.regex(CLAIM_REF_PATTERN));

/**
 * The fulfillment execution's input (`$.order` in the state data): the order without its payment
 * token and shipping address, with the shipping country (screening needs it; a country alone names
 * nobody) and the claim reference. What every state's input and output is built from.
 */
export const WorkflowOrderSchema = z.extend(z.omit(OrderSchema, { payment: true, shippingAddress: true }), {
  shippingCountry: z.string().check(z.regex(COUNTRY_PATTERN)),
  claim: ClaimRefSchema,
});
export type WorkflowOrder = z.infer<typeof WorkflowOrderSchema>;

/** The execution input of an order whose token and address were put into claims under `ref`. */
export function toWorkflowOrder(order: Order, ref: string): WorkflowOrder {
  const { payment: _payment, shippingAddress, ...rest } = order;
  return { ...rest, shippingCountry: shippingAddress.country, claim: ref };
}

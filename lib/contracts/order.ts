import { z } from 'zod';

/**
 * The order message: what the checkout service sends to `orders.fifo` and what the fulfillment
 * workflow receives as its input. Amounts are integer US cents. The client's totals are
 * informational only: prices always come from the Catalog table.
 */
export const ORDER_SCHEMA_VERSION = 1;

/** Also the Step Functions execution name, so it must fit its character set and length. */
export const ORDER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const COUNTRY_PATTERN = /^[A-Z]{2}$/;
export const PAYMENT_TOKEN_PATTERN = /^tok_[a-z0-9_]{1,60}$/;

export const OrderItemSchema = z.object({
  productId: z.string().min(1).max(64),
  quantity: z.number().int().min(1).max(100),
});

export const AddressSchema = z.object({
  name: z.string().min(1).max(200),
  line1: z.string().min(1).max(200),
  line2: z.string().max(200).optional(),
  city: z.string().min(1).max(100),
  postalCode: z.string().min(1).max(20),
  /** ISO 3166-1 alpha-2. */
  country: z.string().regex(COUNTRY_PATTERN),
});

export const OrderSchema = z.object({
  schemaVersion: z.literal(ORDER_SCHEMA_VERSION),
  orderId: z.string().regex(ORDER_ID_PATTERN),
  customerId: z.string().min(1).max(128),
  createdAt: z.iso.datetime(),
  currency: z.literal('USD'),
  items: z.array(OrderItemSchema).min(1).max(50),
  shippingAddress: AddressSchema,
  payment: z.object({ token: z.string().regex(PAYMENT_TOKEN_PATTERN) }),
  /** What the client showed the customer. Never used for charging; a mismatch is logged. */
  clientTotalCents: z.number().int().nonnegative().optional(),
});

export type OrderItem = z.infer<typeof OrderItemSchema>;
export type Address = z.infer<typeof AddressSchema>;
export type Order = z.infer<typeof OrderSchema>;

/** One line of a validated order, priced from the catalog. */
export interface PricedLine {
  readonly productId: string;
  readonly name: string;
  readonly quantity: number;
  readonly unitPriceCents: number;
  readonly lineTotalCents: number;
  readonly warehouse: string;
}

/** Items that leave from one warehouse together. */
export interface Shipment {
  readonly shipmentId: string;
  readonly warehouse: string;
  readonly items: readonly OrderItem[];
}

/** ValidateOrder's result, kept by the workflow at `$.validation`. */
export interface ValidatedOrder {
  readonly orderId: string;
  readonly customerId: string;
  readonly lines: readonly PricedLine[];
  readonly totalCents: number;
  readonly shipments: readonly Shipment[];
  readonly screeningRequired: boolean;
  readonly screeningReasons: readonly string[];
}

/**
 * Validates an order; returns it or a list of readable problems (`path: message`).
 * Used by start-fulfillment (envelope check), validate-order (defence in depth) and the smoke suite.
 */
export function parseOrder(input: unknown): { ok: true; order: Order } | { ok: false; problems: string[] } {
  const result = OrderSchema.safeParse(input);
  if (result.success) return { ok: true, order: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(order)'}: ${i.message}`),
  };
}

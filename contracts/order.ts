import { formatIssues } from './problems';
import { safeText } from './text';
import * as z from './zod';

/**
 * The order message: what the checkout service sends to `orders.fifo` and what the fulfillment
 * workflow receives as its input. Amounts are integer US cents. The client's totals are
 * informational only: prices always come from the Catalog table.
 */
export const ORDER_SCHEMA_VERSION = 1;

/** Largest order message body, in UTF-8 bytes (the SQS default limit, and Step Functions' input limit). */
export const ORDER_MESSAGE_MAX_BYTES = 262_144;

/** Also the Step Functions execution name, so it must fit its character set and length. */
export const ORDER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const COUNTRY_PATTERN = /^[A-Z]{2}$/;
/** A card token: Stripe's ids are mixed case (`tok_1N3T00LkdIwHu7ix…`, `tok_chargeDeclined`), the simulator's lower case. */
export const PAYMENT_TOKEN_PATTERN = /^tok_[A-Za-z0-9_]{1,60}$/;

/** How large an order may be: the API, the API Gateway model, the storefront and the workflow agree on these. */
export const ORDER_LIMITS = {
  /** Lines per order (and per cart); each productId at most once. */
  maxItems: 50,
  /** Units of one product per line. */
  maxQuantity: 100,
  /** Characters of a product id. */
  maxProductIdLength: 64,
} as const;

/** Free text a customer (or the token's issuer) supplies: see SafeText (./text.ts). */
const text = (min: number, max: number) => safeText({ min, max });
const int = (min: number, max?: number) =>
  z.number().check(z.int(), z.minimum(min), ...(max === undefined ? [] : [z.maximum(max)]));

export const OrderItemSchema = z.object({
  productId: text(1, ORDER_LIMITS.maxProductIdLength),
  quantity: int(1, ORDER_LIMITS.maxQuantity),
});

export const AddressSchema = z.object({
  name: text(1, 200),
  line1: text(1, 200),
  line2: z.optional(text(0, 200)),
  city: text(1, 100),
  postalCode: text(1, 20),
  /** ISO 3166-1 alpha-2. */
  country: z.string().check(z.regex(COUNTRY_PATTERN)),
});

export const OrderSchema = z.object({
  schemaVersion: z.literal(ORDER_SCHEMA_VERSION),
  orderId: z.string().check(z.regex(ORDER_ID_PATTERN)),
  customerId: text(1, 128),
  createdAt: z.iso.datetime(),
  currency: z.literal('USD'),
  items: z.array(OrderItemSchema).check(z.minLength(1), z.maxLength(ORDER_LIMITS.maxItems)),
  shippingAddress: AddressSchema,
  payment: z.object({ token: z.string().check(z.regex(PAYMENT_TOKEN_PATTERN)) }),
  /** What the client showed the customer. Never used for charging; a mismatch is logged. */
  clientTotalCents: z.optional(int(0)),
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
  /** Total number of units over all lines. */
  readonly itemCount: number;
  readonly shipments: readonly Shipment[];
  readonly screeningRequired: boolean;
  readonly screeningReasons: readonly string[];
}

/**
 * Validates an order; returns it or a list of readable problems (`path: message`).
 * Used by start-fulfillment (envelope check) and the smoke suite; validate-order checks the same schema.
 */
export function parseOrder(input: unknown): { ok: true; order: Order } | { ok: false; problems: string[] } {
  const result = OrderSchema.safeParse(input);
  if (result.success) return { ok: true, order: result.data };
  return {
    ok: false,
    problems: formatIssues(result.error.issues, '(order)'),
  };
}

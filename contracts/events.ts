/**
 * EventBridge contracts: sources, detail-types, detail shapes and the rule patterns built from
 * them. The CDK code creates rules from these functions and the handlers emit events of these
 * shapes, so a pattern and its events cannot drift apart.
 */
import * as z from './zod';
import { COUNTRY_PATTERN, ORDER_ID_PATTERN } from './order';

export const EVENT_SOURCES = {
  fulfillment: 'securecart.fulfillment',
  inventory: 'securecart.inventory',
} as const;

export const DETAIL_TYPES = {
  /** The workflow asks for a fraud decision (carries a task token to answer with). */
  screeningRequested: 'Order Screening Requested',
  /** Stock of a product fell below its reorder level. */
  inventoryLow: 'Inventory Low',
} as const;

export const ScreeningRequestedDetailSchema = z.object({
  orderId: z.string().check(z.regex(ORDER_ID_PATTERN)),
  customerId: z.string().check(z.minLength(1)),
  /** Recomputed from catalog prices, integer US cents. */
  totalCents: z.number().check(z.int(), z.minimum(0)),
  shippingCountry: z.string().check(z.regex(COUNTRY_PATTERN)),
  /** Total units over all lines. */
  itemCount: z.number().check(z.int(), z.minimum(1)),
  /** Answer with SendTaskSuccess / SendTaskFailure. */
  taskToken: z.string().check(z.minLength(1)),
});
export type ScreeningRequestedDetail = z.infer<typeof ScreeningRequestedDetailSchema>;

export const InventoryLowDetailSchema = z.object({
  productId: z.string().check(z.minLength(1)),
  stock: z.number().check(z.int()),
  reorderLevel: z.number().check(z.int(), z.minimum(0)),
  reorderQuantity: z.number().check(z.int(), z.minimum(1)),
  /** The order whose reservation crossed the reorder level. */
  orderId: z.string().check(z.regex(ORDER_ID_PATTERN)),
});
export type InventoryLowDetail = z.infer<typeof InventoryLowDetailSchema>;

/** A fraud decision, as the screen-fraud handler returns it to the workflow. */
export interface FraudDecision {
  readonly decision: 'APPROVED' | 'REJECTED';
  readonly score: number;
  readonly signals: readonly string[];
}

/** Error name the workflow catches when screening rejects an order (SendTaskFailure). */
export const FRAUD_REJECTED_ERROR = 'FraudRejected';

export interface ScreeningPolicy {
  readonly highValueThresholdCents: number;
  readonly allowedShippingCountries: readonly string[];
}

/** Why an order needs screening; empty when it does not. The workflow's Choice uses this. */
export function screeningReasons(totalCents: number, shippingCountry: string, policy: ScreeningPolicy): string[] {
  const reasons: string[] = [];
  if (totalCents >= policy.highValueThresholdCents) reasons.push('HIGH_VALUE');
  if (!policy.allowedShippingCountries.includes(shippingCountry)) reasons.push('UNUSUAL_SHIPPING_COUNTRY');
  return reasons;
}

/**
 * Rule patterns. HighValueOrder and SuspiciousOrder are disjoint, so every screening request
 * reaches screen-fraud exactly once.
 */
export const RULE_PATTERNS = {
  highValueOrder: (policy: ScreeningPolicy) => ({
    source: [EVENT_SOURCES.fulfillment],
    'detail-type': [DETAIL_TYPES.screeningRequested],
    detail: { totalCents: [{ numeric: ['>=', policy.highValueThresholdCents] }] },
  }),
  suspiciousOrder: (policy: ScreeningPolicy) => ({
    source: [EVENT_SOURCES.fulfillment],
    'detail-type': [DETAIL_TYPES.screeningRequested],
    detail: {
      totalCents: [{ numeric: ['<', policy.highValueThresholdCents] }],
      shippingCountry: [{ 'anything-but': [...policy.allowedShippingCountries] }],
    },
  }),
  inventoryLow: () => ({
    source: [EVENT_SOURCES.inventory],
    'detail-type': [DETAIL_TYPES.inventoryLow],
  }),
} as const;

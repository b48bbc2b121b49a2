/**
 * Sample events and messages for the EventBridge rule patterns and SNS filter policies, and (from
 * `matcher-cases.ts`, re-exported here) a table of matcher cases for the syntax around them. Shared by:
 *
 * - `test/pipeline.test.ts`: the synthesized patterns and policies against these samples, with the
 *   TypeScript matcher, checked against the contracts (which rule, which subscription);
 * - `test/event-matchers.test.ts`: the matcher against `MATCHER_CASES`' expected results;
 * - `scripts/check-matchers.ts` (`npm run test:matchers`): every synthesized pattern and policy
 *   × every sample, and `MATCHER_CASES`, with the TypeScript matcher and with moto, which must agree.
 *
 * Every rule pattern and filter policy must see samples it matches and samples it does not match;
 * the script fails on a pattern or policy that does not.
 */
import {
  COMPLIANCE_DETAIL_TYPES,
  COMPLIANCE_SOURCE,
  ComplianceDetailType,
  complianceProblems,
  DETAIL_TYPES,
  EVENT_SOURCES,
  InventoryLowDetailSchema,
  CART_ABANDONED_DETAIL_TYPE,
  CART_EVENT_SOURCE,
  CartAbandonedDetailSchema,
  ORDER_STATUSES,
  OrderStatusEventSchema,
  PICKUP_REQUESTED_DETAIL_TYPE,
  PickupRequestedDetailSchema,
  ScreeningPolicy,
  ScreeningRequestedDetailSchema,
  screeningReasons,
} from '@securecart/contracts';
import type { SnsMessageAttribute } from './event-matchers';

export { MATCHER_CASES, type MatcherCase } from './matcher-cases';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

/** The rules of the securecart bus, by the name they have in the stack (`securecart-<profile>-<name>`). */
export const RULES = [
  'HighValueOrder',
  'SuspiciousOrder',
  'InventoryLow',
  'ComplianceToAudit',
  'PickupRequested',
  'CartAbandoned',
] as const;
export type RuleName = (typeof RULES)[number];

export interface EventSample {
  readonly label: string;
  readonly event: unknown;
  /** The rules that must deliver this event. */
  readonly rules: readonly RuleName[];
}

const envelope = (source: string, detailType: string, detail: unknown) => ({
  version: '0',
  id: 'e1',
  'detail-type': detailType,
  source,
  account: ACCOUNT,
  time: '2026-11-21T00:00:00Z',
  region: REGION,
  resources: [],
  detail,
});

/** A screening request as the workflow's ScreenForFraud state sends it (the detail fits the contract). */
export function screeningEvent(
  totalCents: number,
  shippingCountry: string,
  source: string = EVENT_SOURCES.fulfillment,
) {
  return envelope(
    source,
    DETAIL_TYPES.screeningRequested,
    ScreeningRequestedDetailSchema.parse({
      orderId: 'o-1',
      customerId: 'c-1',
      totalCents,
      shippingCountry,
      itemCount: 1,
      taskToken: 'tok',
    }),
  );
}

/** An Inventory Low event as reserve-inventory sends it. */
export function inventoryLowEvent(
  source: string = EVENT_SOURCES.inventory,
  detailType: string = DETAIL_TYPES.inventoryLow,
) {
  return envelope(
    source,
    detailType,
    InventoryLowDetailSchema.parse({
      productId: 'p-1',
      stock: 2,
      reorderLevel: 5,
      reorderQuantity: 20,
      orderId: 'o-1',
    }),
  );
}

/** A valid detail of each compliance detail-type (contracts/compliance.ts), ids only. */
const COMPLIANCE_SAMPLE_DETAILS: Record<ComplianceDetailType, unknown> = (() => {
  const at = '2026-11-21T00:00:00.000Z';
  const outcome = (status: 'CANCELLED' | 'FAILED', reason: string) => ({
    schemaVersion: 1,
    orderId: 'o-1',
    customerId: 'c-1',
    status,
    reason,
    occurredAt: at,
    executionId: `arn:aws:states:${REGION}:${ACCOUNT}:execution:OrderFulfillment:o-1`,
  });
  const T = COMPLIANCE_DETAIL_TYPES;
  return {
    [T.fraudRejected]: outcome('CANCELLED', 'FRAUD_REJECTED'),
    [T.fraudReviewTimedOut]: outcome('CANCELLED', 'FRAUD_REVIEW_TIMEOUT'),
    [T.paymentDeclined]: outcome('CANCELLED', 'PAYMENT_DECLINED'),
    [T.orderFailed]: outcome('FAILED', 'UNEXPECTED_ERROR'),
    [T.refundIssued]: { schemaVersion: 1, orderId: 'o-1', amountCents: 100, refundId: 're_1', occurredAt: at },
    [T.refundFailed]: { schemaVersion: 1, orderId: 'o-1', errorName: 'ProviderHttpError', occurredAt: at },
    [T.messageSidelined]: { schemaVersion: 1, queue: 'orders', reason: 'NOT_JSON', messageId: 'm-1', occurredAt: at },
    [T.authorizationFailuresRepeated]: {
      schemaVersion: 1,
      principal: { kind: 'client', clientHash: 'a'.repeat(64) },
      unauthorized: 20,
      forbidden: 0,
      windowSeconds: 60,
      threshold: 20,
      occurredAt: at,
    },
  };
})();

/** A compliance event as its emitter puts it (the detail fits the contract). */
export function complianceEvent(detailType: ComplianceDetailType, source: string = COMPLIANCE_SOURCE) {
  const detail = COMPLIANCE_SAMPLE_DETAILS[detailType];
  const problems = complianceProblems(detailType, detail);
  if (problems.length > 0) throw new Error(`match-grid: invalid ${detailType} sample: ${problems.join('; ')}`);
  return envelope(source, detailType, detail);
}

/** Compliance events reach ComplianceToAudit (and nothing else); look-alikes reach nothing. */
function complianceSamples(): EventSample[] {
  return [
    ...Object.values(COMPLIANCE_DETAIL_TYPES).map((t): EventSample => ({
      label: `compliance: ${t}`,
      event: complianceEvent(t),
      rules: ['ComplianceToAudit'],
    })),
    {
      label: 'compliance source, unknown detail-type',
      event: envelope(COMPLIANCE_SOURCE, 'Order Fulfilled', { orderId: 'o-1' }),
      rules: [],
    },
    {
      label: 'compliance detail-type from the fulfillment source',
      event: complianceEvent(COMPLIANCE_DETAIL_TYPES.fraudRejected, EVENT_SOURCES.fulfillment),
      rules: [],
    },
    {
      label: 'compliance detail-type in another case',
      event: envelope(COMPLIANCE_SOURCE, COMPLIANCE_DETAIL_TYPES.orderFailed.toLowerCase(), {}),
      rules: [],
    },
  ];
}

/**
 * ShipOrder's pickup request reaches PickupRequested (the carrier), a cart that was left reaches
 * CartAbandoned (notifications); each from its own source only, each detail valid by its contract.
 */
function shippingAndCartSamples(): EventSample[] {
  const pickup = PickupRequestedDetailSchema.parse({
    orderId: 'o-1',
    shipmentId: 'shp-1',
    warehouse: 'WH-1',
    carrier: 'SimCarrier',
    trackingNumber: 'TRK-1',
    taskToken: 'tok',
  });
  const cart = CartAbandonedDetailSchema.parse({
    schemaVersion: 1,
    customerId: 'c-1',
    cartVersion: 3,
    cartUpdatedAt: '2026-12-07T10:00:00.000Z',
    itemCount: 2,
    productIds: ['p-1'],
  });
  return [
    {
      label: 'carrier pickup requested',
      event: envelope(EVENT_SOURCES.fulfillment, PICKUP_REQUESTED_DETAIL_TYPE, pickup),
      rules: ['PickupRequested'],
    },
    {
      label: 'carrier pickup requested from another source',
      event: envelope(CART_EVENT_SOURCE, PICKUP_REQUESTED_DETAIL_TYPE, pickup),
      rules: [],
    },
    {
      label: 'cart abandoned',
      event: envelope(CART_EVENT_SOURCE, CART_ABANDONED_DETAIL_TYPE, cart),
      rules: ['CartAbandoned'],
    },
    {
      label: 'cart abandoned from the fulfillment source',
      event: envelope(EVENT_SOURCES.fulfillment, CART_ABANDONED_DETAIL_TYPE, cart),
      rules: [],
    },
  ];
}

/**
 * The rule that must screen a request: HighValueOrder and SuspiciousOrder are disjoint, so a
 * request the workflow screens (`screeningReasons` not empty) reaches screen-fraud exactly once.
 */
export function screeningRules(totalCents: number, shippingCountry: string, policy: ScreeningPolicy): RuleName[] {
  const reasons = screeningReasons(totalCents, shippingCountry, policy);
  if (reasons.includes('HIGH_VALUE')) return ['HighValueOrder'];
  return reasons.length > 0 ? ['SuspiciousOrder'] : [];
}

/** Named samples around the rules' boundaries: what must and must not reach each rule. */
export function labelledEventSamples(policy: ScreeningPolicy): EventSample[] {
  const threshold = policy.highValueThresholdCents;
  const allowed = policy.allowedShippingCountries[0];
  const screening = (label: string, total: number, country: string, source?: string): EventSample => ({
    label,
    event: screeningEvent(total, country, source),
    rules: source === undefined ? screeningRules(total, country, policy) : [],
  });
  const raw = (label: string, detail: Record<string, unknown>, rules: RuleName[]): EventSample => ({
    label,
    event: envelope(EVENT_SOURCES.fulfillment, DETAIL_TYPES.screeningRequested, detail),
    rules,
  });
  const detail = { orderId: 'o-1', customerId: 'c-1', itemCount: 1, taskToken: 'tok' };
  return [
    screening('high value, allowed country', threshold, allowed, undefined),
    screening('far above threshold, allowed country', threshold * 20, 'DE'),
    screening('high value, unusual country', threshold + 1, 'KP'),
    screening('low value, unusual country', threshold - 1, 'KP'),
    screening('low value, allowed country', 100, 'FR'),
    screening('wrong source', threshold, 'US', 'someone.else'),
    screening('source that only starts with ours', threshold - 1, 'KP', `${EVENT_SOURCES.fulfillment}.test`),
    { label: 'inventory low', event: inventoryLowEvent(), rules: ['InventoryLow'] },
    {
      label: 'inventory source, other detail-type',
      event: inventoryLowEvent(undefined, 'Inventory Restocked'),
      rules: [],
    },
    {
      label: 'Inventory Low from another source',
      event: inventoryLowEvent(EVENT_SOURCES.fulfillment, DETAIL_TYPES.inventoryLow),
      rules: [],
    },
    {
      label: 'detail-type in another case',
      event: envelope(EVENT_SOURCES.fulfillment, DETAIL_TYPES.screeningRequested.toLowerCase(), {
        ...detail,
        totalCents: threshold,
        shippingCountry: 'US',
      }),
      rules: [],
    },
    // Off-contract details: numeric filters need JSON numbers, anything-but needs the field.
    raw('total as a string', { ...detail, totalCents: String(threshold), shippingCountry: 'KP' }, []),
    raw('high value, no shipping country', { ...detail, totalCents: threshold }, ['HighValueOrder']),
    raw('low value, no shipping country', { ...detail, totalCents: 1 }, []),
    raw('low value, lower-case allowed country', { ...detail, totalCents: 1, shippingCountry: allowed.toLowerCase() }, [
      'SuspiciousOrder',
    ]),
    ...complianceSamples(),
    ...shippingAndCartSamples(),
  ];
}

/** Totals around the threshold × allowed and unusual countries; each request is screened at most once. */
export function screeningGrid(policy: ScreeningPolicy): EventSample[] {
  const t = policy.highValueThresholdCents;
  return [0, 1, t - 1, t, t + 1, t * 10].flatMap((total) =>
    ['US', 'DE', 'KP', 'BR'].map((country) => ({
      label: `screening ${total} ${country}`,
      event: screeningEvent(total, country),
      rules: screeningRules(total, country, policy),
    })),
  );
}

export const eventSamples = (policy: ScreeningPolicy): EventSample[] => [
  ...labelledEventSamples(policy),
  ...screeningGrid(policy),
];

export interface MessageSample {
  readonly label: string;
  readonly attributes: Record<string, SnsMessageAttribute>;
  /** The message body: an order status event, as the workflow publishes it. */
  readonly body: string;
  /** The string values the `status` attribute carries (an allowlist policy on `status` matches one of them). */
  readonly statusValues: readonly string[];
}

const statusBody = (status: (typeof ORDER_STATUSES)[number]) =>
  JSON.stringify(
    OrderStatusEventSchema.parse({
      schemaVersion: 1,
      orderId: 'o-1',
      customerId: 'c-1',
      status,
      reason: status === 'CANCELLED' ? 'PAYMENT_DECLINED' : status === 'FAILED' ? 'UNEXPECTED_ERROR' : null,
      occurredAt: '2026-11-21T00:00:00.000Z',
      executionId: 'arn:aws:states:us-east-1:123456789012:execution:OrderFulfillment:o-1',
    }),
  );

/** OrderEvents messages: every status as the workflow publishes it, and messages no policy should accept. */
export function statusMessages(): MessageSample[] {
  const string = (value: string) => ({ Type: 'String', Value: value });
  return [
    ...ORDER_STATUSES.map((status) => ({
      label: `status ${status}`,
      attributes: { status: string(status) },
      body: statusBody(status),
      statusValues: [status],
    })),
    { label: 'no attributes', attributes: {}, body: statusBody('PAID'), statusValues: [] },
    {
      label: 'only another attribute',
      attributes: { kind: string('PAID') },
      body: statusBody('PAID'),
      statusValues: [],
    },
    { label: 'lower-case status', attributes: { status: string('paid') }, body: statusBody('PAID'), statusValues: [] },
    {
      label: 'status as a String.Array',
      attributes: { status: { Type: 'String.Array', Value: JSON.stringify(['VALIDATED', 'FAILED']) } },
      body: statusBody('FAILED'),
      statusValues: ['VALIDATED', 'FAILED'],
    },
    {
      label: 'status as a Number',
      attributes: { status: { Type: 'Number', Value: '4' } },
      body: statusBody('PAID'),
      statusValues: [],
    },
  ];
}

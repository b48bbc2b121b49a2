import type { FraudDecision, ScreeningPolicy } from '@securecart/contracts/events';

const REJECT_SCORE = 70;
const FRAUD_SIGNALS = {
  unusualShippingCountry: { signal: 'UNUSUAL_SHIPPING_COUNTRY', points: 50 },
  veryHighValue: { signal: 'VERY_HIGH_VALUE', points: 40 },
  bulkQuantity: { signal: 'BULK_QUANTITY', points: 20 },
} as const;
/** VERY_HIGH_VALUE starts at this multiple of the high-value threshold. */
const VERY_HIGH_VALUE_FACTOR = 10;
/** BULK_QUANTITY applies above this many units. */
export const BULK_QUANTITY_LIMIT = 20;

/** Deterministic fraud score: the sum of the signals' points; rejected at REJECT_SCORE or more. */
export function scoreOrder(
  order: { totalCents: number; shippingCountry: string; itemCount: number },
  policy: ScreeningPolicy,
): FraudDecision {
  const hits = [
    !policy.allowedShippingCountries.includes(order.shippingCountry) && FRAUD_SIGNALS.unusualShippingCountry,
    order.totalCents >= VERY_HIGH_VALUE_FACTOR * policy.highValueThresholdCents && FRAUD_SIGNALS.veryHighValue,
    order.itemCount > BULK_QUANTITY_LIMIT && FRAUD_SIGNALS.bulkQuantity,
  ].filter((hit) => hit !== false);
  const score = hits.reduce((sum, hit) => sum + hit.points, 0);
  return { decision: score >= REJECT_SCORE ? 'REJECTED' : 'APPROVED', score, signals: hits.map((hit) => hit.signal) };
}

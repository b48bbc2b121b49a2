import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { toWorkflowOrder } from '@securecart/contracts/claims';
import type { WorkflowOrder } from '@securecart/contracts/claims';
import type { Order } from '@securecart/contracts/order';

export const TABLES = { catalog: 'Catalog', idempotency: 'Idempotency', claims: 'OrderClaims' } as const;

/** A claim reference (contracts/claims.ts) for handler inputs. */
export const CLAIM_REF = '0b7e4d2a-9c1f-4e3a-8d5b-6f2a1c3e4b5d';

/** The error DynamoDB answers when a ConditionExpression fails. */
export const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

/** A valid order (contracts schema v1). */
export function anOrder(overrides: Partial<Order> = {}): Order {
  return {
    schemaVersion: 1,
    orderId: 'ord-1001',
    customerId: 'cust-42',
    createdAt: '2025-01-15T10:00:00Z',
    currency: 'USD',
    items: [
      { productId: 'p-mug', quantity: 2 },
      { productId: 'p-tee', quantity: 1 },
    ],
    shippingAddress: { name: 'Ada Lovelace', line1: '1 Main St', city: 'Seattle', postalCode: '98101', country: 'US' },
    payment: { token: 'tok_approve' },
    ...overrides,
  };
}

/** Fakes only Date (timers stay real), so records get a known timestamp and TTL. */
export const FIXED_NOW = new Date('2025-01-15T12:00:00.000Z');
export const FIXED_EXPIRATION = Math.floor(FIXED_NOW.getTime() / 1000) + 30 * 86_400;
export function fixDate(): void {
  jest.useFakeTimers({
    now: FIXED_NOW,
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'requestAnimationFrame',
      'cancelAnimationFrame',
      'requestIdleCallback',
      'cancelIdleCallback',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
}

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('Expected the promise to reject, but it resolved');
}

/** The order as the workflow carries it (without token and address; docs/adr/0019), claims under CLAIM_REF. */
export function aWorkflowOrder(overrides: Partial<Order> = {}): WorkflowOrder {
  return toWorkflowOrder(anOrder(overrides), CLAIM_REF);
}

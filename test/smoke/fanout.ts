import { STATUS_SUBSCRIPTIONS } from '@securecart/contracts';
import { describeResponse } from './http';
import type { CheckoutApi } from './http';
import type { PlacedOrder, Scenario } from './orders';
import type { SubscriptionName } from './resources';
import { sleep } from './util';

/** What one subscription delivered for each order: the statuses, with their reasons and format problems. */
export interface StatusSource {
  readonly byOrder: ReadonlyMap<
    string,
    readonly {
      readonly event: { readonly status: string; readonly reason?: string | null };
      readonly problems: readonly string[];
    }[]
  >;
  readonly error?: string;
  /** Messages of other runs seen (and left in place). */
  readonly foreign: number;
  /** What the PASS line calls what was counted, e.g. "status messages". */
  readonly noun: string;
}

/** The statuses a subscription must receive for a scenario: the path, through its filter policy. */
export const expectedFor = (name: SubscriptionName, s: Scenario): string[] =>
  s.path.filter((status) => (STATUS_SUBSCRIPTIONS[name] as readonly string[]).includes(status));

const complete = (name: SubscriptionName, source: StatusSource, orders: readonly PlacedOrder[]) =>
  orders.every((s) => {
    const got = new Set((source.byOrder.get(s.orderId) ?? []).map((d) => d.event.status));
    return expectedFor(name, s).every((status) => got.has(status));
  });

/**
 * The order-status subscription as the checkout service applied it: the service's status consumer
 * owns that queue (it deletes what it applies), so what it delivered is read back from each order's
 * status history (GET /api/orders/{id}), without the service's own PENDING.
 */
export class ServiceStatusHistory implements StatusSource {
  byOrder = new Map<string, { event: { status: string; reason: string | null }; problems: string[] }[]>();
  error?: string;
  readonly foreign = 0;
  readonly noun = "statuses in the service's order histories (GET /api/orders/{id})";

  constructor(
    private readonly api: CheckoutApi,
    private readonly tokenFor: (customerId: string) => string,
    private readonly orders: readonly PlacedOrder[],
  ) {}

  async refresh(): Promise<void> {
    const next = new Map<string, { event: { status: string; reason: string | null }; problems: string[] }[]>();
    const errors: string[] = [];
    await Promise.all(
      this.orders.map(async (s) => {
        const path = `/api/orders/${s.orderId}`;
        try {
          const r = await this.api.get(path, this.tokenFor(s.customerId));
          if (r.status !== 200) return void errors.push(describeResponse('GET', path, r));
          const history = (r.body?.statusHistory ?? []) as { status: string; reason: string | null }[];
          next.set(
            s.orderId,
            history
              .filter((h) => h.status !== 'PENDING')
              .map((h) => ({ event: { status: h.status, reason: h.reason }, problems: [] })),
          );
        } catch (error) {
          errors.push(`GET ${path}: ${(error as Error).message}`);
        }
      }),
    );
    this.byOrder = next;
    this.error = errors.length > 0 ? errors.join('; ') : undefined;
  }
}

/**
 * Waits until every source has everything it should (bounded), then a quiet period, so that a
 * status that should NOT have been delivered has time to show up.
 */
export async function settle(
  sources: Record<SubscriptionName, StatusSource>,
  history: ServiceStatusHistory,
  orders: readonly PlacedOrder[],
  timeoutMs: number,
  quietMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const names = Object.keys(sources) as SubscriptionName[];
  for (;;) {
    await history.refresh();
    if (Date.now() >= deadline || names.every((n) => complete(n, sources[n], orders))) break;
    await sleep(250);
  }
  await sleep(quietMs);
  await history.refresh();
}

/** Compares what one subscription received for this run's orders with its filter policy. */
export function evaluateFanOut(
  name: SubscriptionName,
  source: StatusSource,
  orders: readonly PlacedOrder[],
): { ok: boolean; detail: string } {
  const problems: string[] = [];
  let received = 0;
  let duplicates = 0;
  for (const s of orders) {
    const deliveries = source.byOrder.get(s.orderId) ?? [];
    const got: string[] = deliveries.map((d) => d.event.status);
    const expected: string[] = expectedFor(name, s);
    received += got.length;
    duplicates += got.length - new Set(got).size;
    const missing = expected.filter((status) => !got.includes(status));
    const unexpected = [...new Set(got.filter((status) => !expected.includes(status)))];
    if (missing.length > 0) problems.push(`${s.key}: missing ${missing.join(', ')}`);
    if (unexpected.length > 0) {
      const allowed = STATUS_SUBSCRIPTIONS[name] as readonly string[];
      const filtered = unexpected.filter((status) => !allowed.includes(status));
      problems.push(
        `${s.key}: unexpected ${unexpected.join(', ')}${filtered.length > 0 ? ` (${filtered.join(', ')} not allowed by the filter policy)` : ''}`,
      );
    }
    for (const d of deliveries) {
      for (const p of d.problems) problems.push(`${s.key} ${d.event.status}: ${p}`);
      if ((d.event.status === 'CANCELLED' || d.event.status === 'FAILED') && d.event.reason !== s.reason) {
        problems.push(`${s.key} ${d.event.status}: reason ${d.event.reason}, expected ${s.reason}`);
      }
    }
  }
  if (source.error) problems.push(`last error: ${source.error}`);
  const expectedTotal = orders.reduce((n, s) => n + expectedFor(name, s).length, 0);
  const tail = `${duplicates > 0 ? `, ${duplicates} duplicate deliveries (at-least-once)` : ''}${source.foreign > 0 ? `, ${source.foreign} message(s) of other runs left in place` : ''}`;
  if (problems.length > 0)
    return { ok: false, detail: `${problems.join('; ')} (received ${received}, expected ${expectedTotal}${tail})` };
  return {
    ok: true,
    detail: `${received} ${source.noun} for ${orders.length} orders, exactly [${STATUS_SUBSCRIPTIONS[name].join(', ')}] ∩ each path${tail}`,
  };
}

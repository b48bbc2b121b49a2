import { STATUS_SUBSCRIPTIONS } from '../../lib/contracts';
import type { Scenario } from './orders';
import type { SubscriptionName } from './resources';
import type { StatusCollector } from './status-collector';
import { sleep } from './util';

/** The statuses a subscription must receive for a scenario: the path, through its filter policy. */
export const expectedFor = (name: SubscriptionName, s: Scenario): string[] =>
  s.path.filter((status) => (STATUS_SUBSCRIPTIONS[name] as readonly string[]).includes(status));

const complete = (name: SubscriptionName, collector: StatusCollector, scenarios: readonly Scenario[]) =>
  scenarios.every((s) => {
    const got = new Set(collector.statuses(s.order.orderId));
    return expectedFor(name, s).every((status) => got.has(status));
  });

/**
 * Waits until every collector has everything it should (bounded), then a quiet period, so that a
 * status that should NOT have been delivered has time to show up.
 */
export async function settle(
  collectors: Record<SubscriptionName, StatusCollector>,
  scenarios: readonly Scenario[],
  timeoutMs: number,
  quietMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const names = Object.keys(collectors) as SubscriptionName[];
  while (Date.now() < deadline && !names.every((n) => complete(n, collectors[n], scenarios))) await sleep(250);
  await sleep(quietMs);
}

/** Compares what one subscription queue received for this run's orders with its filter policy. */
export function evaluateFanOut(
  name: SubscriptionName,
  collector: StatusCollector,
  scenarios: readonly Scenario[],
): { ok: boolean; detail: string } {
  const problems: string[] = [];
  let received = 0;
  let duplicates = 0;
  for (const s of scenarios) {
    const { orderId } = s.order;
    const deliveries = collector.byOrder.get(orderId) ?? [];
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
  if (collector.error) problems.push(`last receive error: ${collector.error}`);
  const expectedTotal = scenarios.reduce((n, s) => n + expectedFor(name, s).length, 0);
  const tail = `${duplicates > 0 ? `, ${duplicates} duplicate deliveries (at-least-once)` : ''}${collector.foreign > 0 ? `, ${collector.foreign} message(s) of other runs left in place` : ''}`;
  if (problems.length > 0)
    return { ok: false, detail: `${problems.join('; ')} (received ${received}, expected ${expectedTotal}${tail})` };
  return {
    ok: true,
    detail: `${received} status messages for ${scenarios.length} orders, exactly [${STATUS_SUBSCRIPTIONS[name].join(', ')}] ∩ each path${tail}`,
  };
}

import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { Message } from '@aws-sdk/client-sqs';
import { CART_ABANDONED_DETAIL_TYPE, CART_EVENT_SOURCE, CartAbandonedDetailSchema } from '@securecart/contracts';
import type { CartAbandonedDetail } from '@securecart/contracts';
import type { Clients } from './aws';
import { describeResponse } from './http';
import type { CheckoutApi } from './http';
import type { LocalIssuer } from './issuer';
import type { RunPlan } from './orders';
import type { StackOutputs } from './outputs';
import { CheckFailure } from './report';
import { isRecord, parseJson } from './util';

/*
 * Abandoned-cart reminders (ADR 30) against the deployed queue, handler, bus and rule: the
 * localstack profile's delay is 5 s (the CartReminderDelaySeconds output), so the suite can watch
 * the delay being honoured. Three customers of this run:
 *   untouched: one PUT with items → exactly one CartAbandoned, not before the delay, soon after it;
 *   updated:   two PUTs → one CartAbandoned, for the second version only;
 *   emptied:   items, then an empty cart → none.
 * CartAbandoned reaches the notifications queue (the rule's target); this check reads it there
 * before the status collectors start, leaving every other message visible.
 */

export const REMINDER_CUSTOMERS = ['remind-untouched', 'remind-updated', 'remind-emptied'] as const;

interface Received {
  readonly detail: CartAbandonedDetail;
  readonly at: number;
}

/** CartAbandoned events of these customers on the queue, each deleted once read; others left visible. */
async function drain(clients: Clients, queueUrl: string, customers: ReadonlySet<string>, into: Received[]) {
  const { Messages = [] } = await clients.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 1,
      VisibilityTimeout: 0,
    }),
  );
  const mine: Message[] = [];
  for (const m of Messages) {
    const event = parseJson(m.Body);
    if (!isRecord(event) || event.source !== CART_EVENT_SOURCE || event['detail-type'] !== CART_ABANDONED_DETAIL_TYPE)
      continue;
    const parsed = CartAbandonedDetailSchema.safeParse(event.detail);
    const customerId = isRecord(event.detail) ? event.detail.customerId : undefined;
    if (typeof customerId !== 'string' || !customers.has(customerId)) continue;
    if (!parsed.success) throw new CheckFailure(`CartAbandoned for ${customerId} breaks its contract: ${m.Body}`);
    into.push({ detail: parsed.data, at: Date.now() });
    mine.push(m);
  }
  if (mine.length > 0)
    await clients.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: mine.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
}

export async function checkCartReminders(
  clients: Clients,
  o: StackOutputs,
  api: CheckoutApi,
  issuer: LocalIssuer,
  plan: RunPlan,
  timeoutMs: number,
): Promise<string> {
  const delaySeconds = Number(o.CartReminderDelaySeconds);
  if (!(delaySeconds >= 2 && delaySeconds <= 60))
    throw new CheckFailure(
      `CartReminderDelaySeconds=${o.CartReminderDelaySeconds}: this check needs a short delay (the localstack profile's)`,
    );
  const [untouched, updated, emptied] = REMINDER_CUSTOMERS.map((k) => `${plan.customerPrefix}${k}`);
  const put = async (customer: string, items: { productId: string; quantity: number }[]) => {
    const r = await api.request('PUT', '/api/cart', { token: issuer.token(customer), json: { items } });
    if (r.status !== 200) throw new CheckFailure(describeResponse('PUT', '/api/cart', r));
  };
  const std = plan.products.std.productId;
  const lux = plan.products.lux.productId;
  const sent = Date.now();
  await put(untouched, [{ productId: std, quantity: 2 }]);
  await put(updated, [{ productId: std, quantity: 1 }]);
  await put(updated, [
    { productId: std, quantity: 1 },
    { productId: lux, quantity: 1 },
  ]);
  await put(emptied, [{ productId: lux, quantity: 1 }]);
  await put(emptied, []);

  const customers = new Set([untouched, updated, emptied]);
  const received: Received[] = [];
  // Before the delay: nothing (a second of margin for the clocks and the last PUT).
  while (Date.now() < sent + (delaySeconds - 1) * 1000)
    await drain(clients, o.NotificationsQueueUrl, customers, received);
  if (received.length > 0)
    throw new CheckFailure(
      `CartAbandoned before the ${delaySeconds}s delay: ${received.map((r) => `${r.detail.customerId} after ${(r.at - sent) / 1000}s`).join(', ')}`,
    );
  // After it: the untouched and the updated cart's reminders, then a few seconds for strays.
  const deadline = Date.now() + timeoutMs;
  const has = (c: string) => received.some((r) => r.detail.customerId === c);
  while (Date.now() < deadline && !(has(untouched) && has(updated)))
    await drain(clients, o.NotificationsQueueUrl, customers, received);
  const settleUntil = Date.now() + 3000;
  while (Date.now() < settleUntil) await drain(clients, o.NotificationsQueueUrl, customers, received);

  const problems: string[] = [];
  const of = (c: string) => received.filter((r) => r.detail.customerId === c).map((r) => r.detail);
  const a = of(untouched);
  if (
    a.length !== 1 ||
    a[0].cartVersion !== 1 ||
    a[0].itemCount !== 2 ||
    JSON.stringify(a[0].productIds) !== JSON.stringify([std])
  )
    problems.push(
      `untouched cart: expected one CartAbandoned (version 1, 2 units of ${std}), got ${JSON.stringify(a)}`,
    );
  const b = of(updated);
  if (b.length !== 1 || b[0].cartVersion !== 2 || b[0].itemCount !== 2)
    problems.push(`updated cart: expected one CartAbandoned for version 2 only, got ${JSON.stringify(b)}`);
  const c = of(emptied);
  if (c.length !== 0) problems.push(`emptied cart: expected no CartAbandoned, got ${JSON.stringify(c)}`);
  if (problems.length > 0) throw new CheckFailure(problems.join('; '));
  const firstAt = Math.min(...received.map((r) => r.at));
  return `delay ${delaySeconds}s honoured: nothing before it, CartAbandoned after ${((firstAt - sent) / 1000).toFixed(1)}s for the untouched cart (version 1) and the updated one (version 2 only); none for the emptied cart`;
}

/**
 * Concurrency on a real PostgreSQL server (npm run test:pg; PGlite serialises transactions, so
 * `npm test` cannot show these). Each test holds a transaction open in one session while another
 * session works, or races many sessions at once, and asserts what only true concurrency tests.
 */
import type { Message } from '@aws-sdk/client-sqs';
import pg from 'pg';
import { SNS_ATTRIBUTES } from '@securecart/contracts/status';
import type { OrderStatus, OrderStatusEvent } from '@securecart/contracts/status';
import { newKey, orderBody, postOrder, TestIssuer, useService } from '../helpers/harness';
import type { TestDatabase, TestService } from '../helpers/harness';

let database: TestDatabase;
let issuer: TestIssuer;
let service: TestService;

useService({ DB_POOL_MAX: '20', OUTBOX_RETENTION_HOURS: '1' }, (started) => ({ database, issuer, service } = started));

interface Entry {
  Id: string;
  MessageDeduplicationId: string;
}
const sent: string[] = [];

beforeAll(() => {
  if (!process.env.CHECKOUT_TEST_PG_URL) throw new Error('test/pg needs a PostgreSQL server: npm run test:pg');
});

beforeEach(async () => {
  service.sqs.reset();
  sent.length = 0;
  service.sqs.on(service.bundle.aws.SendMessageBatchCommand).callsFake((input: { Entries: Entry[] }) => {
    sent.push(...input.Entries.map((e) => e.MessageDeduplicationId));
    return { Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: 'm', MD5OfMessageBody: 'x' })) };
  });
  await database.pool.query('UPDATE outbox SET sent_at = now() WHERE sent_at IS NULL AND rejected_at IS NULL');
});

/** A second session, outside the service's pools, that holds a transaction open. */
async function session(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: database.url });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

test('the idempotency race: 20 simultaneous requests with one key make one order', async () => {
  const token = issuer.token({ sub: 'customer-race' });
  const key = newKey();
  const responses = await Promise.all(
    Array.from({ length: 20 }, () => postOrder(service.client, token, orderBody(), key)),
  );
  expect(new Set(responses.map((r) => r.status))).toEqual(new Set([202]));
  expect(new Set(responses.map((r) => r.body.orderId)).size).toBe(1);
  expect(responses.filter((r) => r.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
  const { rows } = await database.pool.query(
    "SELECT count(*)::int AS n FROM orders WHERE customer_id = 'customer-race'",
  );
  expect(rows[0].n).toBe(1);
});

test('the idempotency race with two bodies: one wins, every other answer is its replay or a 409', async () => {
  const token = issuer.token({ sub: 'customer-race-bodies' });
  const key = newKey();
  const other = orderBody({ clientTotalCents: 1 });
  const responses = await Promise.all(
    Array.from({ length: 20 }, (_, i) => postOrder(service.client, token, i % 2 ? other : orderBody(), key)),
  );
  const created = responses.filter((r) => r.status === 202 && r.headers['idempotent-replayed'] !== 'true');
  expect(created).toHaveLength(1);
  expect(responses.every((r) => r.status === 202 || r.status === 409)).toBe(true);
  expect(responses.some((r) => r.status === 409)).toBe(true);
  const { rows } = await database.pool.query(
    "SELECT count(*)::int AS n FROM orders WHERE customer_id = 'customer-race-bodies'",
  );
  expect(rows[0].n).toBe(1);
});

test('SKIP LOCKED: a row another relay holds is skipped, not waited for; it is sent once its holder lets go', async () => {
  const token = issuer.token({ sub: 'customer-locks' });
  const ids = [];
  for (let i = 0; i < 4; i++) ids.push((await postOrder(service.client, token)).body.orderId);
  const holder = await session();
  try {
    await holder.query('BEGIN');
    // As a second relay (another task) would: the oldest row, locked for the length of its send.
    await holder.query('SELECT id FROM outbox WHERE order_id = $1 FOR UPDATE', [ids[0]]);
    expect(await service.handle.relay.runOnce()).toBe(3);
    expect(sent.sort()).toEqual(ids.slice(1).sort());
    expect(await service.handle.relay.runOnce()).toBe(0);
  } finally {
    await holder.query('ROLLBACK');
    await holder.end();
  }
  expect(await service.handle.relay.runOnce()).toBe(1);
  expect(sent).toContain(ids[0]);
});

test('the pruner and the relay at once: the pruner never waits for, nor deletes, a row being relayed', async () => {
  const token = issuer.token({ sub: 'customer-prune' });
  const old = (await postOrder(service.client, token)).body.orderId;
  expect(await service.handle.relay.runOnce()).toBe(1);
  await database.pool.query("UPDATE outbox SET sent_at = now() - interval '2 hours' WHERE order_id = $1", [old]);
  const fresh = (await postOrder(service.client, token)).body.orderId;

  // The relay's send of the fresh row is slow: it holds the row's lock the whole time.
  let release!: () => void;
  const sending = new Promise<void>((resolve) => (release = resolve));
  service.sqs.on(service.bundle.aws.SendMessageBatchCommand).callsFake(async (input: { Entries: Entry[] }) => {
    await sending;
    sent.push(...input.Entries.map((e) => e.MessageDeduplicationId));
    return { Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: 'm', MD5OfMessageBody: 'x' })) };
  });
  const relaying = service.handle.relay.runOnce();
  await new Promise((resolve) => setTimeout(resolve, 100));
  const pruned = await service.handle.pruner.pruneOnce();
  expect(pruned.pruned).toBeGreaterThanOrEqual(1);
  const { rows } = await database.pool.query('SELECT order_id FROM outbox WHERE order_id = ANY($1)', [[old, fresh]]);
  expect(rows.map((r) => r.order_id)).toEqual([fresh]);
  release();
  expect(await relaying).toBe(1);
  expect(sent).toContain(fresh);
});

const statusMessage = (orderId: string, status: OrderStatus, at: number): Message => {
  const event: OrderStatusEvent = {
    schemaVersion: 1,
    orderId,
    customerId: 'customer-consumers',
    status,
    reason: null,
    occurredAt: new Date(at).toISOString(),
    executionId: `arn:aws:states:us-east-1:000000000000:execution:OrderFulfillment:${orderId}`,
  };
  return {
    MessageId: `${orderId}-${status}`,
    ReceiptHandle: `rh-${orderId}-${status}`,
    Attributes: { ApproximateReceiveCount: '1' },
    Body: JSON.stringify({
      Type: 'Notification',
      MessageId: `sns-${orderId}-${status}`,
      Message: JSON.stringify(event),
      MessageAttributes: { [SNS_ATTRIBUTES.status]: { Type: 'String', Value: status } },
    }),
  };
};

test('the status consumer against itself: every status of many orders applied at once ends forward, each once', async () => {
  const token = issuer.token({ sub: 'customer-consumers' });
  const orders = [];
  for (let i = 0; i < 8; i++) orders.push((await postOrder(service.client, token)).body.orderId);
  const statuses: OrderStatus[] = ['ACCEPTED', 'VALIDATED', 'PAID', 'FULFILLED'];
  const start = Date.now();
  // Every status of every order, twice (duplicate deliveries), in a scrambled order, all at once.
  const messages = orders.flatMap((id) =>
    statuses.flatMap((s, i) => [statusMessage(id, s, start + i), statusMessage(id, s, start + i)]),
  );
  messages.sort((a, b) => (a.MessageId! < b.MessageId! ? 1 : -1));
  const results = await Promise.all(messages.map((m) => service.handle.consumer.handle(m)));
  expect(results.every((r) => r.delete)).toBe(true);
  const { rows } = await database.pool.query(
    `SELECT o.order_id, o.status, (SELECT count(*)::int FROM order_status_history h WHERE h.order_id = o.order_id) AS history
     FROM orders o WHERE o.order_id = ANY($1)`,
    [orders],
  );
  expect(rows).toHaveLength(8);
  for (const row of rows) expect(row).toMatchObject({ status: 'FULFILLED', history: 5 }); // PENDING + four
});

/**
 * The relay never lets one row hold up the others (issue 18). SQS is faked as it behaves: it
 * refuses a body with a character outside its set (InvalidMessageContents, a sender fault) — as
 * the local AWS endpoint does — so rows that reached the outbox before SafeText closed the door
 * (or through any future bug) are exercised, with valid orders of other customers behind them.
 */
import { postOrder, sqsTakingWhatSqsTakes, startService, TestIssuer, useService } from './helpers/harness';
import type { TestDatabase, TestService } from './helpers/harness';

let database: TestDatabase;
let issuer: TestIssuer;
let service: TestService;

useService({}, (started) => ({ database, issuer, service } = started));

interface Entry {
  Id: string;
  MessageBody: string;
  MessageDeduplicationId: string;
}

let sent: string[] = [];

/** Places orders, then puts U+FFFF into the name of each of them in the outbox (as before SafeText). */
async function poisonedOrders(customer: string, count: number): Promise<string[]> {
  const token = issuer.token({ sub: customer });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push((await postOrder(service.client, token)).body.orderId);
  await database.pool.query(
    `UPDATE outbox SET body = regexp_replace(body, '"name": ?"', '"name": "\uffff') WHERE order_id = ANY($1)`,
    [ids],
  );
  return ids;
}

const orderRows = (ids: string[]) =>
  database.pool
    .query(
      `SELECT o.order_id, o.status, o.status_reason, x.rejected_at IS NOT NULL AS rejected, x.sent_at IS NOT NULL AS sent,
              (SELECT count(*)::int FROM order_status_history h WHERE h.order_id = o.order_id AND h.status = 'CANCELLED') AS history
       FROM orders o JOIN outbox x USING (order_id) WHERE o.order_id = ANY($1)`,
      [ids],
    )
    .then((r) => r.rows);

beforeEach(async () => {
  service.sqs.reset();
  sent = [];
  await database.pool.query('UPDATE outbox SET sent_at = now() WHERE sent_at IS NULL AND rejected_at IS NULL');
});

test('ten refused rows of one customer do not hold up other customers: cancelled at once, the rest flows', async () => {
  sent = sqsTakingWhatSqsTakes(service).sent;
  const poisoned = await poisonedOrders('customer-attacker', 10);
  const victims = [];
  for (const customer of ['customer-a', 'customer-b', 'customer-c']) {
    victims.push((await postOrder(service.client, issuer.token({ sub: customer }))).body.orderId);
  }

  // The first pass takes the ten refused rows: each is taken out of the way for good.
  expect(await service.handle.relay.runOnce()).toBe(0);
  // The next pass sends the valid orders behind them.
  expect(await service.handle.relay.runOnce()).toBe(3);
  expect(await service.handle.relay.runOnce()).toBe(0);
  expect(sent.sort()).toEqual([...victims].sort());

  const rows = await orderRows(poisoned);
  expect(rows).toHaveLength(10);
  for (const row of rows) {
    expect(row).toMatchObject({
      status: 'CANCELLED',
      status_reason: 'INVALID_ORDER',
      rejected: true,
      sent: false,
      history: 1,
    });
  }
  // The customer sees it: a terminal status with a reason the storefront explains.
  const view = await service.client.get(`/api/orders/${poisoned[0]}`, issuer.token({ sub: 'customer-attacker' }));
  expect(view.body).toMatchObject({ status: 'CANCELLED', reason: 'INVALID_ORDER' });
  expect(view.body.statusHistory.map((h: { status: string }) => h.status)).toEqual(['PENDING', 'CANCELLED']);

  // Counted for the alarm, and never counted in the lag or the unsent rows.
  const rejected = service.metrics.map((line) => JSON.parse(line)).filter((m) => 'OutboxRejected' in m);
  expect(rejected.reduce((n, m) => n + m.OutboxRejected, 0)).toBe(10);
  expect(await service.handle.relay.lag()).toEqual({ lagSeconds: 0, unsent: 0 });
  expect(await service.handle.relay.state()).toMatchObject({ unsent: 0, backingOff: 0, rejected: 10 });
  expect((await service.handle.relay.state()).lastSentAt).toEqual(expect.any(String));
});

test('any number of rows failing for a transient reason: every pass still sends the due rows behind them', async () => {
  const failing = new Set<string>();
  for (let i = 0; i < 25; i++) {
    failing.add((await postOrder(service.client, issuer.token({ sub: `customer-slow-${i % 5}` }))).body.orderId);
  }
  const rejectedBefore = (await service.handle.relay.state()).rejected;
  const good = [];
  for (let i = 0; i < 3; i++)
    good.push((await postOrder(service.client, issuer.token({ sub: 'customer-good' }))).body.orderId);
  service.sqs.on(service.bundle.aws.SendMessageBatchCommand).callsFake((input: { Entries: Entry[] }) => {
    const ok = input.Entries.filter((e) => !failing.has(e.MessageDeduplicationId));
    sent.push(...ok.map((e) => e.MessageDeduplicationId));
    return {
      Successful: ok.map((e) => ({ Id: e.Id, MessageId: 'm', MD5OfMessageBody: 'x' })),
      Failed: input.Entries.filter((e) => !ok.includes(e)).map((e) => ({
        Id: e.Id,
        Code: 'InternalError',
        SenderFault: false,
        Message: 'try again',
      })),
    };
  });
  // 25 failing rows at the head: three passes back them off, the fourth sends the good ones.
  for (let pass = 0; pass < 4; pass++) await service.handle.relay.runOnce();
  expect(sent.sort()).toEqual([...good].sort());
  const state = await service.handle.relay.state();
  expect(state).toMatchObject({ unsent: 25, backingOff: 25, rejected: rejectedBefore });
  const { rows } = await database.pool.query(
    `SELECT min(EXTRACT(EPOCH FROM next_attempt_at - now())) AS soonest, max(EXTRACT(EPOCH FROM next_attempt_at - now())) AS latest
     FROM outbox WHERE order_id = ANY($1)`,
    [[...failing]],
  );
  // First retry after 0.5-1 s (backoff with jitter), none of them cancelled.
  expect(Number(rows[0].soonest)).toBeGreaterThan(0);
  expect(Number(rows[0].latest)).toBeLessThanOrEqual(1.01);
  expect((await orderRows([...failing])).every((r) => r.status === 'PENDING')).toBe(true);
});

test('a batch SQS refuses as a whole for what one message holds is sent row by row', async () => {
  const token = issuer.token({ sub: 'customer-batch-refused' });
  const ids = [];
  for (let i = 0; i < 4; i++) ids.push((await postOrder(service.client, token)).body.orderId);
  const tooLong = ids[1];
  service.sqs.on(service.bundle.aws.SendMessageBatchCommand).callsFake((input: { Entries: Entry[] }) => {
    if (input.Entries.some((e) => e.MessageDeduplicationId === tooLong)) {
      throw Object.assign(new Error('Batch requests cannot be longer than 262144 bytes.'), {
        name: 'BatchRequestTooLong',
        $fault: 'client',
      });
    }
    sent.push(...input.Entries.map((e) => e.MessageDeduplicationId));
    return { Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: 'm', MD5OfMessageBody: 'x' })) };
  });
  expect(await service.handle.relay.runOnce()).toBe(3);
  expect(sent.sort()).toEqual(ids.filter((id) => id !== tooLong).sort());
  expect(await orderRows([tooLong])).toEqual([
    expect.objectContaining({ status: 'CANCELLED', status_reason: 'INVALID_ORDER', rejected: true }),
  ]);
});

test('a failure of the call itself (access, throttling) marks nothing and cancels nothing', async () => {
  const orderId = (await postOrder(service.client, issuer.token({ sub: 'customer-denied' }))).body.orderId;
  service.sqs
    .on(service.bundle.aws.SendMessageBatchCommand)
    .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied', $fault: 'client' }));
  await expect(service.handle.relay.runOnce()).rejects.toThrow('not authorized');
  expect(await orderRows([orderId])).toEqual([
    expect.objectContaining({ status: 'PENDING', rejected: false, sent: false, history: 0 }),
  ]);
});

test('GET /api/health/relay reports a stuck relay (internal); the public readiness answer stays minimal and ready', async () => {
  service.sqs
    .on(service.bundle.aws.SendMessageBatchCommand)
    .rejects(Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable', $fault: 'server' }));
  const orderId = (await postOrder(service.client, issuer.token({ sub: 'customer-stuck' }))).body.orderId;
  await database.pool.query("UPDATE outbox SET created_at = now() - interval '200 seconds' WHERE order_id = $1", [
    orderId,
  ]);
  const looping = await startService(database, issuer, {
    DB_RUN_MIGRATIONS: 'false',
    OUTBOX_RELAY_ENABLED: 'true',
    OUTBOX_POLL_INTERVAL_MS: '60000',
  });
  try {
    const relay = await looping.client.get('/api/health/relay');
    expect(relay.status).toBe(200);
    expect(relay.body).toMatchObject({ status: 'stuck', unsent: 1, lastSentAt: null });
    expect(relay.body.lagSeconds).toBeGreaterThanOrEqual(200);
    const ready = await looping.client.get('/api/health/ready');
    expect(ready.body).toEqual({ status: 'ready' });

    service.sqs.reset();
    service.sqs.on(service.bundle.aws.SendMessageBatchCommand).callsFake((input: { Entries: Entry[] }) => ({
      Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: 'm', MD5OfMessageBody: 'x' })),
    }));
    looping.handle.relay.wake();
    const deadline = Date.now() + 20_000;
    let body = relay.body;
    while (body.status !== 'ok' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      body = (await looping.client.get('/api/health/relay')).body;
    }
    expect(body).toMatchObject({ status: 'ok', unsent: 0, lagSeconds: 0, lastSentAt: expect.any(String) });
  } finally {
    await looping.close();
  }
});

import { parseOrder } from '@securecart/contracts/order';
import { ORDERS_QUEUE_URL, postOrder, startService, TestIssuer, useService } from './helpers/harness';
import type { TestDatabase, TestService } from './helpers/harness';

let database: TestDatabase;
let issuer: TestIssuer;
let service: TestService;

interface Entry {
  Id: string;
  MessageBody: string;
  MessageGroupId: string;
  MessageDeduplicationId: string;
}

/** Every entry SQS was asked to send, in order. */
const sentEntries = (s: TestService = service): Entry[] =>
  s.sqs.commandCalls(s.bundle.aws.SendMessageBatchCommand).flatMap((call) => call.args[0].input.Entries as Entry[]);

const acceptAll = (s: TestService = service) =>
  s.sqs.on(s.bundle.aws.SendMessageBatchCommand).callsFake((input: { Entries: Entry[] }) => ({
    Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}`, MD5OfMessageBody: 'x' })),
    Failed: [],
  }));

const unsent = async () =>
  Number((await database.pool.query('SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL')).rows[0].n);

useService({}, (started) => ({ database, issuer, service } = started));

beforeEach(async () => {
  service.sqs.reset();
  await database.pool.query('UPDATE outbox SET sent_at = now() WHERE sent_at IS NULL');
});

test('sends each pending order to orders.fifo as the contract Order, grouped by customer, deduplicated by order id', async () => {
  acceptAll();
  const token = issuer.token({ sub: 'customer-relay' });
  const orderId = (await postOrder(service.client, token)).body.orderId;
  expect(await unsent()).toBe(1);

  expect(await service.handle.relay.runOnce()).toBe(1);
  const [entry] = sentEntries();
  const call = service.sqs.commandCalls(service.bundle.aws.SendMessageBatchCommand)[0];
  expect(call.args[0].input.QueueUrl).toBe(ORDERS_QUEUE_URL);
  expect(entry).toMatchObject({ MessageGroupId: 'customer-relay', MessageDeduplicationId: orderId });

  // What start-fulfillment checks: the body is a contract Order and the group id is its customer id.
  const parsed = parseOrder(JSON.parse(entry.MessageBody));
  expect(parsed).toMatchObject({ ok: true, order: { orderId, customerId: 'customer-relay' } });
  expect(entry.MessageGroupId).toBe(parsed.ok && parsed.order.customerId);

  expect(await unsent()).toBe(0);
  expect(await service.handle.relay.runOnce()).toBe(0);
  expect(sentEntries()).toHaveLength(1);
});

test('sends in batches of at most 10, oldest first', async () => {
  acceptAll();
  const token = issuer.token({ sub: 'customer-batch' });
  const ids: string[] = [];
  for (let i = 0; i < 13; i++) ids.push((await postOrder(service.client, token)).body.orderId);
  expect(await service.handle.relay.runOnce()).toBe(10);
  expect(await service.handle.relay.runOnce()).toBe(3);
  expect(sentEntries().map((e) => e.MessageDeduplicationId)).toEqual(ids);
});

test('a crash between the send and the mark resends the message once more, with the same deduplication id', async () => {
  const token = issuer.token({ sub: 'customer-crash' });
  const orderId = (await postOrder(service.client, token)).body.orderId;
  // SQS accepted the message, but the relay never learned it (the response was lost / the task died).
  service.sqs.on(service.bundle.aws.SendMessageBatchCommand).rejectsOnce(new Error('socket hang up'));
  await expect(service.handle.relay.runOnce()).rejects.toThrow('socket hang up');
  expect(await unsent()).toBe(1);

  acceptAll();
  expect(await service.handle.relay.runOnce()).toBe(1);
  expect(await service.handle.relay.runOnce()).toBe(0);
  const entries = sentEntries();
  expect(entries).toHaveLength(2);
  expect(entries.map((e) => e.MessageDeduplicationId)).toEqual([orderId, orderId]);
  expect(entries[0].MessageBody).toBe(entries[1].MessageBody);
});

test('an entry SQS did not take (transient) stays unsent with the error recorded, backs off, and is retried when due', async () => {
  const token = issuer.token({ sub: 'customer-partial' });
  const first = (await postOrder(service.client, token)).body.orderId;
  const second = (await postOrder(service.client, token)).body.orderId;
  service.sqs.on(service.bundle.aws.SendMessageBatchCommand).callsFakeOnce((input: { Entries: Entry[] }) => ({
    Successful: [{ Id: input.Entries[0].Id, MessageId: 'm', MD5OfMessageBody: 'x' }],
    Failed: [{ Id: input.Entries[1].Id, Code: 'InternalError', SenderFault: false, Message: 'try again' }],
  }));
  expect(await service.handle.relay.runOnce()).toBe(1);
  const { rows } = await database.pool.query(
    `SELECT order_id, sent_at IS NOT NULL AS sent, attempts, last_error, rejected_at IS NOT NULL AS rejected,
            next_attempt_at > now() AS backing_off FROM outbox WHERE order_id = ANY($1) ORDER BY id`,
    [[first, second]],
  );
  expect(rows).toEqual([
    { order_id: first, sent: true, attempts: 1, last_error: null, rejected: false, backing_off: null },
    {
      order_id: second,
      sent: false,
      attempts: 1,
      last_error: 'InternalError: try again',
      rejected: false,
      backing_off: true,
    },
  ]);
  acceptAll();
  // Not due yet: the pass leaves it alone (and would send any row behind it).
  expect(await service.handle.relay.runOnce()).toBe(0);
  await database.pool.query('UPDATE outbox SET next_attempt_at = now() WHERE order_id = $1', [second]);
  expect(await service.handle.relay.runOnce()).toBe(1);
  expect(await unsent()).toBe(0);
});

test('two relays (two tasks) at once send every row exactly once', async () => {
  const second = await startService(database, issuer, { DB_RUN_MIGRATIONS: 'false' });
  try {
    // Both services share this file's mocked SQSClient; slow sends keep the relays' passes
    // overlapping (each holds its row locks across the send).
    service.sqs.on(service.bundle.aws.SendMessageBatchCommand).callsFake(async (input: { Entries: Entry[] }) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: 'm', MD5OfMessageBody: 'x' })) };
    });
    const ids = new Set<string>();
    for (let i = 0; i < 45; i++) {
      ids.add((await postOrder(service.client, issuer.token({ sub: `customer-${i % 7}` }))).body.orderId);
    }
    const drain = async (relay: typeof service.handle.relay) => {
      while ((await relay.runOnce()) > 0);
    };
    await Promise.all([drain(service.handle.relay), drain(second.handle.relay), drain(service.handle.relay)]);
    const sent = sentEntries().map((e) => e.MessageDeduplicationId);
    expect(sent).toHaveLength(45);
    expect(new Set(sent)).toEqual(ids);
    expect(await unsent()).toBe(0);
  } finally {
    await second.close();
  }
});

test('the background loop relays new orders promptly and publishes its lag as an EMF metric', async () => {
  acceptAll();
  await postOrder(service.client, issuer.token({ sub: 'customer-waiting' }));
  await database.pool.query("UPDATE outbox SET created_at = now() - interval '42 seconds' WHERE sent_at IS NULL");
  const looping = await startService(database, issuer, {
    DB_RUN_MIGRATIONS: 'false',
    OUTBOX_RELAY_ENABLED: 'true',
    OUTBOX_POLL_INTERVAL_MS: '60000',
    METRICS_INTERVAL_MS: '1000',
  });
  try {
    // The loop sends the row that waited 42 s, then publishes the remaining lag.
    await waitFor(async () => (await unsent()) === 0);
    // The loop publishes after its pass has read the lag back: wait for that line too.
    await waitFor(() => looping.metrics.length > 0);
    const first = JSON.parse(looping.metrics[0]);
    expect(first._aws.CloudWatchMetrics[0]).toEqual({
      Namespace: 'SecureCart',
      Dimensions: [['Service']],
      Metrics: [
        { Name: 'OutboxLagSeconds', Unit: 'Seconds' },
        { Name: 'OutboxUnsent', Unit: 'Count' },
      ],
    });
    expect(first.Service).toBe('checkout-api');
    expect(first.OutboxUnsent).toBe(0);

    // A new order wakes the loop at once (the poll interval is a minute).
    const orderId = (await postOrder(looping.client, issuer.token({ sub: 'customer-loop' }))).body.orderId;
    await waitFor(() => sentEntries().some((e) => e.MessageDeduplicationId === orderId));
    const lag = await looping.handle.relay.lag();
    expect(lag).toEqual({ lagSeconds: 0, unsent: 0 });
  } finally {
    await looping.close();
  }
});

test('lag is the age of the oldest unsent row', async () => {
  await postOrder(service.client, issuer.token({ sub: 'customer-lag' }));
  await database.pool.query("UPDATE outbox SET created_at = now() - interval '90 seconds' WHERE sent_at IS NULL");
  const { lagSeconds, unsent: pending } = await service.handle.relay.lag();
  expect(pending).toBe(1);
  expect(lagSeconds).toBeGreaterThanOrEqual(90);
  expect(lagSeconds).toBeLessThan(100);
  await service.handle.relay.publishMetrics();
  const line = JSON.parse(service.metrics[service.metrics.length - 1]);
  expect(line.OutboxLagSeconds).toBeGreaterThanOrEqual(90);
  expect(line.OutboxUnsent).toBe(1);
});

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

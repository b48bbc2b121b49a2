/**
 * Abandoned-cart reminders, the service's half (docs/adr/0030): a cart change sends one delayed
 * message to cart-reminders carrying the cart's new version; an empty cart sends none; a failed
 * send never fails the cart write; a created order marks the cart as ordered at its version.
 */
import { loadBundle, orderBody, postOrder, serviceEnv, TestIssuer, useService } from './helpers/harness';
import type { TestDatabase, TestService } from './helpers/harness';

const REMINDERS_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/securecart-test-cart-reminders';

let database: TestDatabase;
let issuer: TestIssuer;
let service: TestService;

useService(
  { CART_REMINDERS_QUEUE_URL: REMINDERS_QUEUE_URL, CART_REMINDER_DELAY_SECONDS: '7' },
  (started) => ({ database, issuer, service } = started),
);

const metricNames = () =>
  service.metrics.flatMap((line) => {
    const doc = JSON.parse(line) as { _aws: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] } };
    return doc._aws.CloudWatchMetrics.flatMap((m) => m.Metrics.map((x) => x.Name));
  });

beforeEach(() => {
  service.ddb.reset();
  service.sqs.reset();
  service.metrics.length = 0;
  service.logs.lines.length = 0;
});

describe('PUT /api/cart sends the delayed reminder of the new cart version', () => {
  const putCart = (sub: string, items: unknown[]) =>
    service.client.request('PUT', '/api/cart', { token: issuer.token({ sub }), json: { items } });
  const sent = () => service.sqs.commandCalls(service.bundle.aws.SendMessageCommand).map((c) => c.args[0].input);

  test('a cart with items: one message, delayed by the configured seconds, with the customer and the version only', async () => {
    service.ddb.on(service.bundle.aws.UpdateCommand).resolves({ Attributes: { version: 12 } });
    service.sqs.on(service.bundle.aws.SendMessageCommand).resolves({ MessageId: 'm-1' });
    const response = await putCart('customer-remind', [{ productId: 'p-100', quantity: 2 }]);
    expect(response.status).toBe(200);
    expect(sent()).toEqual([
      {
        QueueUrl: REMINDERS_QUEUE_URL,
        DelaySeconds: 7,
        MessageBody: JSON.stringify({ schemaVersion: 1, customerId: 'customer-remind', cartVersion: 12 }),
      },
    ]);
    // The product ids stay in the cart: the handler reads them when the reminder is due.
    expect(sent()[0].MessageBody).not.toContain('p-100');
  });

  test('an empty cart is written (a new version) but sends nothing', async () => {
    service.ddb.on(service.bundle.aws.UpdateCommand).resolves({ Attributes: { version: 13 } });
    const response = await putCart('customer-remind', []);
    expect(response.status).toBe(200);
    expect(service.ddb.commandCalls(service.bundle.aws.UpdateCommand)).toHaveLength(1);
    expect(sent()).toEqual([]);
  });

  test('a refused or failed cart write sends nothing', async () => {
    service.ddb
      .on(service.bundle.aws.UpdateCommand)
      .rejects(Object.assign(new Error('x'), { name: 'InternalServerError' }));
    expect((await putCart('customer-remind', [{ productId: 'p-1', quantity: 1 }])).status).toBe(500);
    expect((await putCart('customer-remind', [{ productId: 'p-1', quantity: 0 }])).status).toBe(400);
    expect(sent()).toEqual([]);
  });

  test('a send that fails does not fail the cart write: logged without the customer and counted', async () => {
    service.ddb.on(service.bundle.aws.UpdateCommand).resolves({ Attributes: { version: 3 } });
    service.sqs
      .on(service.bundle.aws.SendMessageCommand)
      .rejects(Object.assign(new Error('KMS key disabled'), { name: 'KmsDisabled' }));
    const response = await putCart('customer-secret-7', [{ productId: 'p-100', quantity: 1 }]);
    expect(response.status).toBe(200);
    expect(response.body.items).toEqual([{ productId: 'p-100', quantity: 1 }]);
    expect(metricNames()).toEqual(['CartReminderSendFailures']);
    const warning = service.logs.entries.find((e) => String(e.message).startsWith('Could not send the cart reminder'));
    expect(warning).toMatchObject({ error: 'KmsDisabled', cartVersion: 3 });
    expect(service.logs.text()).not.toContain('customer-secret-7');
  });
});

describe('POST /api/orders marks the cart as ordered at its current version', () => {
  const marks = () =>
    service.ddb
      .commandCalls(service.bundle.aws.UpdateCommand)
      .map((c) => c.args[0].input)
      .filter((i) => String(i.UpdateExpression).includes('#ordered'));

  test('a created order copies version into orderedVersion, only where a versioned cart exists; a replay does not', async () => {
    service.sqs.on(service.bundle.aws.SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const token = issuer.token({ sub: 'customer-ordering' });
    const body = orderBody();
    const created = await postOrder(service.client, token, body, 'key-mark-ordered-1');
    expect(created.status).toBe(202);
    expect(marks()).toEqual([
      {
        TableName: 'securecart-test-carts',
        Key: { cartId: 'customer-ordering' },
        UpdateExpression: 'SET #ordered = #version',
        ConditionExpression: 'attribute_exists(#version)',
        ExpressionAttributeNames: { '#ordered': 'orderedVersion', '#version': 'version' },
      },
    ]);
    const replayed = await postOrder(service.client, token, body, 'key-mark-ordered-1');
    expect(replayed.status).toBe(202);
    expect(marks()).toHaveLength(1);
  });

  test('no cart (the condition fails) is no problem; any other failure is counted and the order still accepted', async () => {
    const token = issuer.token({ sub: 'customer-ordering-2' });
    service.ddb
      .on(service.bundle.aws.UpdateCommand)
      .rejectsOnce(Object.assign(new Error('no cart'), { name: 'ConditionalCheckFailedException' }))
      .rejects(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }));
    expect((await postOrder(service.client, token)).status).toBe(202);
    expect(metricNames()).toEqual([]);
    expect((await postOrder(service.client, token)).status).toBe(202);
    expect(metricNames()).toEqual(['CartOrderMarkFailures']);
    expect(service.logs.text()).toContain('Could not mark the cart as ordered');
    expect(service.logs.text()).not.toContain('customer-ordering-2"');
    expect(await database.count('orders')).toBeGreaterThanOrEqual(2);
  });
});

describe('configuration', () => {
  const { loadConfig } = loadBundle();
  const env = (extra: Record<string, string>) => ({ ...serviceEnv(database, issuer), ...extra });

  test('reminders are off without a queue; the delay defaults to SQS maximum of 900 s', () => {
    const config = loadConfig(env({}));
    expect(config.cartRemindersQueueUrl).toBeUndefined();
    expect(config.cartReminderDelaySeconds).toBe(900);
  });

  test.each([
    [{ CART_REMINDERS_QUEUE_URL: `${REMINDERS_QUEUE_URL}.fifo` }, /CART_REMINDERS_QUEUE_URL must be a standard queue/],
    [{ CART_REMINDERS_QUEUE_URL: 'file:///etc/passwd' }, /CART_REMINDERS_QUEUE_URL must be a https: or http: URL/],
    [{ CART_REMINDER_DELAY_SECONDS: '901' }, /CART_REMINDER_DELAY_SECONDS must be an integer from 0 to 900/],
    [{ CART_REMINDER_DELAY_SECONDS: '-1' }, /CART_REMINDER_DELAY_SECONDS must be an integer from 0 to 900/],
    [{ CART_REMINDER_DELAY_SECONDS: '1e2' }, /CART_REMINDER_DELAY_SECONDS must be an integer from 0 to 900/],
  ])('refuses %j', (extra, message) => {
    expect(() => loadConfig(env(extra))).toThrow(message);
  });
});

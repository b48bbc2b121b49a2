/**
 * Running the service: configuration errors, logs (request/order ids, redaction), readiness,
 * read replica routing, IAM + TLS database settings, draining, and the bundle as the container
 * runs it (`node dist/server.js`, SIGTERM).
 */
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BUNDLE_PATH,
  loadBundle,
  newKey,
  orderBody,
  postOrder,
  serviceEnv,
  startDatabase,
  startService,
  TestIssuer,
  useService,
} from './helpers/harness';
import type { TestDatabase, TestService } from './helpers/harness';

let database: TestDatabase;
let issuer: TestIssuer;
let service: TestService;

useService({ DB_READER_HOST: '127.0.0.1' }, (started) => ({ database, issuer, service } = started));

describe('configuration', () => {
  const { loadConfig, ConfigError } = loadBundle();

  test('lists every missing variable by name', () => {
    expect(() => loadConfig({})).toThrow(ConfigError);
    try {
      loadConfig({});
    } catch (error) {
      expect((error as InstanceType<typeof ConfigError>).problems).toEqual([
        'ORDERS_QUEUE_URL is required',
        'ORDER_STATUS_QUEUE_URL is required',
        'DB_HOST (with DB_USER) or DATABASE_URL is required',
        'AUTH_CLIENT_ID is required',
        'AUTH_USER_POOL_ID (or AUTH_ISSUER for a local issuer) is required',
        'CATALOG_TABLE_NAME is required',
        'CARTS_TABLE_NAME is required',
      ]);
    }
  });

  test('rejects invalid values with a clear message', () => {
    const env = {
      ...serviceEnv(database, issuer),
      PORT: 'eighty',
      ORDERS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/orders',
      DB_HOST: 'db.example.internal',
      AUTH_ISSUER: '',
      AUTH_JWKS_URI: '',
      AUTH_USER_POOL_ID: 'not-a-pool',
      OUTBOX_BATCH_SIZE: '11',
      LOG_LEVEL: 'loud',
    };
    expect(() => loadConfig(env)).toThrow(
      /LOG_LEVEL must be one of[\s\S]*ORDERS_QUEUE_URL must be a FIFO queue[\s\S]*either DATABASE_URL \(local\) or DB_HOST[\s\S]*AUTH_USER_POOL_ID is not a Cognito user pool id[\s\S]*PORT must be an integer from 0 to 65535 \(got 'eighty'\)[\s\S]*OUTBOX_BATCH_SIZE must be an integer from 1 to 10/,
    );
  });

  test('production settings: IAM authentication tokens over TLS verified against the RDS CA bundle', async () => {
    const config = loadConfig({
      ...serviceEnv(database, issuer),
      DATABASE_URL: '',
      AUTH_ISSUER: '',
      AUTH_JWKS_URI: '',
      AUTH_USER_POOL_ID: 'us-east-1_Abc123',
      DB_HOST: 'securecart-sandbox-db.abc.us-east-1.rds.amazonaws.com',
      DB_READER_HOST: 'securecart-sandbox-db-replica.abc.us-east-1.rds.amazonaws.com',
      DB_USER: 'checkout_api',
      AWS_REGION: 'us-east-1',
    });
    expect(config.database).toMatchObject({ kind: 'iam', port: 5432, database: 'securecart', user: 'checkout_api' });
    expect(config.auth).toEqual({ kind: 'cognito', userPoolId: 'us-east-1_Abc123', clientId: 'storefront-client' });
    const { databaseClientConfig } = loadBundle();
    const writer = databaseClientConfig(config.database, 'writer');
    const reader = databaseClientConfig(config.database, 'reader');
    expect(writer.host).toBe('securecart-sandbox-db.abc.us-east-1.rds.amazonaws.com');
    expect(reader.host).toBe('securecart-sandbox-db-replica.abc.us-east-1.rds.amazonaws.com');
    expect(writer.ssl).toMatchObject({ rejectUnauthorized: true, servername: writer.host });
    // A fresh IAM token per connection, signed locally (no network).
    const password = await (writer.password as () => Promise<string>)();
    expect(password).toMatch(
      /^securecart-sandbox-db\.abc\.us-east-1\.rds\.amazonaws\.com:5432\/\?Action=connect&DBUser=checkout_api&.*X-Amz-Signature=/,
    );
    // The CA bundle shipped next to the server bundle holds the CA the Data stack selects.
    const pem = (writer.ssl as { ca: string }).ca;
    expect(pem).toBe(readFileSync(join(BUNDLE_PATH, '..', 'rds-ca-bundle.pem'), 'utf8'));
    const subjects = pem
      .split(/(?<=-----END CERTIFICATE-----)\n/)
      .filter((c) => c.includes('BEGIN'))
      .map((c) => new X509Certificate(c).subject);
    expect(subjects.length).toBeGreaterThan(100);
    expect(subjects).toContainEqual(expect.stringContaining('CN=Amazon RDS us-east-1 Root CA RSA2048 G1'));
  });

  test('the status consumer long-polls 20 s unless STATUS_CONSUMER_WAIT_SECONDS shortens it (local runs)', async () => {
    expect(loadConfig(serviceEnv(database, issuer)).statusConsumerWaitSeconds).toBe(20);
    expect(() => loadConfig({ ...serviceEnv(database, issuer), STATUS_CONSUMER_WAIT_SECONDS: '0' })).toThrow(
      /STATUS_CONSUMER_WAIT_SECONDS must be an integer from 1 to 20/,
    );
    const short = await startService(database, issuer, {
      DB_RUN_MIGRATIONS: 'false',
      STATUS_CONSUMER_WAIT_SECONDS: '1',
    });
    try {
      short.sqs.reset();
      short.sqs.on(short.bundle.aws.ReceiveMessageCommand).resolves({ Messages: [] });
      await short.handle.consumer.pollOnce();
      const calls = short.sqs.commandCalls(short.bundle.aws.ReceiveMessageCommand);
      expect(calls.map((c) => c.args[0].input.WaitTimeSeconds)).toEqual([1]);
    } finally {
      short.sqs.reset();
      await short.close();
    }
  });

  test('SQS requests go to a configured endpoint (LocalStack, an emulator), else to the queue URL host', () => {
    const { sqsClientConfig } = loadBundle();
    expect(sqsClientConfig({})).toEqual({ useQueueUrlAsEndpoint: true });
    expect(sqsClientConfig({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' })).toEqual({ useQueueUrlAsEndpoint: false });
    expect(sqsClientConfig({ AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:4566' })).toEqual({
      useQueueUrlAsEndpoint: false,
    });
  });
});

describe('logs', () => {
  test('carry the request id and the order id; never a payment token, address or bearer token', async () => {
    const secretToken = 'tok_canary_4242';
    const body = orderBody({
      payment: { token: secretToken },
      shippingAddress: {
        name: 'Canary Person',
        line1: '99 Canary Wharf',
        city: 'Canaryville',
        postalCode: 'CN1 1AA',
        country: 'GB',
      },
    });
    const token = issuer.token({ sub: 'customer-logs' });
    const requestId = 'req-logs-test-1';
    const accepted = await service.client.request('POST', '/api/orders', {
      token,
      json: body,
      headers: { 'idempotency-key': newKey(), 'x-request-id': requestId },
    });
    expect(accepted.status).toBe(202);
    expect(accepted.headers['x-request-id']).toBe(requestId);
    // A rejected body (token fails the pattern) must not be echoed either.
    const rejected = await postOrder(
      service.client,
      token,
      orderBody({ payment: { token: 'tok_CANARY-BAD' }, shippingAddress: body.shippingAddress }),
    );
    expect(rejected.status).toBe(400);
    expect(rejected.text).not.toContain('CANARY-BAD');
    await service.handle.relay.runOnce().catch(() => undefined);

    const text = service.logs.text();
    for (const secret of [secretToken, 'tok_CANARY-BAD', 'Canary', token, token.split('.')[2]]) {
      expect(text).not.toContain(secret);
    }
    // One access line per request; an order request's carries the order id and what happened to it.
    const lines = service.logs.entries.filter((e) => e.requestId === requestId);
    expect(lines.map((l) => l.message)).toEqual(['request completed']);
    expect(lines[0]).toMatchObject({
      level: 'info',
      service: 'checkout-api',
      orderId: accepted.body.orderId,
      result: 'created',
      items: 2,
      req: { method: 'POST', route: '/api/orders', path: '/api/orders' },
      res: { statusCode: 202 },
    });
  });

  test('a replayed or conflicting order request names the order and the result on its access line', async () => {
    const token = issuer.token({ sub: 'customer-log-results' });
    const key = newKey();
    const first = await postOrder(service.client, token, orderBody(), key);
    const replay = await service.client.request('POST', '/api/orders', {
      token,
      json: orderBody(),
      headers: { 'idempotency-key': key, 'x-request-id': 'req-log-replay' },
    });
    const conflict = await service.client.request('POST', '/api/orders', {
      token,
      json: orderBody({ clientTotalCents: 1 }),
      headers: { 'idempotency-key': key, 'x-request-id': 'req-log-conflict' },
    });
    expect([first.status, replay.status, conflict.status]).toEqual([202, 202, 409]);
    const access = (requestId: string) =>
      service.logs.entries.find((e) => e.requestId === requestId && e.message === 'request completed');
    expect(access('req-log-replay')).toMatchObject({
      orderId: first.body.orderId,
      result: 'replayed',
      res: { statusCode: 202 },
    });
    expect(access('req-log-conflict')).toMatchObject({
      orderId: first.body.orderId,
      result: 'conflict',
      res: { statusCode: 409 },
    });
  });

  test('redact paths censor payment and address fields if a log call ever includes them', () => {
    service.handle.app.log.info(
      {
        order: { orderId: 'o-1', payment: { token: 'tok_leak' }, shippingAddress: { line1: 'Leak Lane' } },
        payment: { token: 'tok_leak2' },
        body: { payment: { token: 'tok_leak3' } },
        req: { headers: { authorization: 'Bearer leak' } },
      },
      'redaction probe',
    );
    const line = service.logs.entries.find((e) => e.message === 'redaction probe')!;
    expect(JSON.stringify(line)).not.toMatch(/leak/i);
    expect(line.order).toEqual({ orderId: 'o-1', payment: '[redacted]', shippingAddress: '[redacted]' });
  });
});

describe('database roles and readiness', () => {
  test('reads go to the reader pool, writes to the writer', async () => {
    const { db } = service.handle;
    expect(db.hasReader).toBe(true);
    expect(db.reader).not.toBe(db.writer);
    const readerQuery = jest.spyOn(db.reader, 'query');
    const writerQuery = jest.spyOn(db.writer, 'query');
    try {
      const token = issuer.token({ sub: 'customer-roles' });
      const created = await postOrder(service.client, token);
      expect(writerQuery).toHaveBeenCalled();
      expect(readerQuery).not.toHaveBeenCalled();
      writerQuery.mockClear();
      expect((await service.client.get('/api/orders', token)).status).toBe(200);
      expect((await service.client.get(`/api/orders/${created.body.orderId}`, token)).status).toBe(200);
      expect(readerQuery).toHaveBeenCalledTimes(2);
      expect(writerQuery).not.toHaveBeenCalled();
    } finally {
      readerQuery.mockRestore();
      writerQuery.mockRestore();
    }
  });

  test('not ready while migrations are missing', async () => {
    const empty = await startDatabase();
    const unmigrated = await startService(empty, issuer, { DB_RUN_MIGRATIONS: 'false' });
    try {
      const ready = await unmigrated.client.get('/api/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.reason).toMatch(/migrations not applied: 1767225600000_orders-outbox/);
      expect((await unmigrated.client.get('/api/health/live')).status).toBe(200);
    } finally {
      await unmigrated.close();
      await empty.stop();
    }
  });

  test('a second start applies no migration twice (node-pg-migrate lock + history)', async () => {
    const again = await startService(database, issuer);
    try {
      expect(again.logs.entries.some((e) => e.message === 'Database schema is up to date')).toBe(true);
    } finally {
      await again.close();
    }
  });
});

describe('draining', () => {
  test('close() finishes in-flight requests, then refuses new ones', async () => {
    const draining = await startService(database, issuer, { DB_RUN_MIGRATIONS: 'false' });
    draining.handle.catalog.invalidate();
    draining.ddb
      .on(draining.bundle.aws.ScanCommand)
      .callsFake(() => new Promise((resolve) => setTimeout(() => resolve({ Items: [] }), 300)));
    const inFlight = draining.client.get('/api/products');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = draining.handle.close();
    expect((await inFlight).status).toBe(200);
    await closed;
    await expect(draining.client.get('/api/health/live')).rejects.toThrow(/ECONNREFUSED|ECONNRESET|socket hang up/);
    draining.client.close();
  });
});

describe('the container entry point (node dist/server.js)', () => {
  const run = (env: Record<string, string>) => {
    const child = spawn(process.execPath, [BUNDLE_PATH], {
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, exited, out: () => stdout, err: () => stderr };
  };

  test('a bad configuration exits 1 naming every problem', async () => {
    const proc = run({});
    expect(await proc.exited).toBe(1);
    const line = JSON.parse(proc.err().trim());
    expect(line).toMatchObject({ level: 'fatal', service: 'checkout-api' });
    expect(line.message).toContain('ORDERS_QUEUE_URL is required');
    expect(line.message).toContain('AUTH_CLIENT_ID is required');
  });

  test('starts, serves, and on SIGTERM drains and exits 0', async () => {
    const proc = run({
      ...serviceEnv(database, issuer),
      PORT: '0',
      HOST: '127.0.0.1',
      DB_RUN_MIGRATIONS: 'false',
      // The background loops run against an endpoint that refuses connections.
      OUTBOX_RELAY_ENABLED: 'true',
      STATUS_CONSUMER_ENABLED: 'true',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_MAX_ATTEMPTS: '1',
    });
    try {
      const deadline = Date.now() + 15_000;
      let url: string | undefined;
      while (!url && Date.now() < deadline) {
        url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(proc.out())?.[1];
        if (!url) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(url).toBeDefined();
      expect((await fetch(`${url}/api/health/ready`)).status).toBe(200);
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
      expect(proc.out()).toContain('"message":"Drained"');
    } finally {
      proc.child.kill('SIGKILL');
    }
  });
});

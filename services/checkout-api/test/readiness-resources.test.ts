/**
 * GET /api/health/ready and the tables and queues the service needs (issue 20): not ready while one
 * is missing, naming it; ready once it exists; an error that does not say "missing" (AccessDenied,
 * throttling) does not make the service unready. Each test starts its own service: once every
 * resource was found, the service looks again only after a minute.
 */
import { startService, STATUS_QUEUE_URL, TestIssuer, useService } from './helpers/harness';
import type { TestDatabase, TestService } from './helpers/harness';

let database: TestDatabase;
let issuer: TestIssuer;
let shared: TestService;
useService({}, (started) => ({ database, issuer, service: shared } = started));

const awsError = (name: string) => Object.assign(new Error(`${name} (test)`), { name });

afterEach(() => {
  shared.ddb.reset();
  shared.sqs.reset();
});

test('a missing table and a missing queue make it unready, the reason names both; created, it is ready', async () => {
  const service = await startService(database, issuer);
  try {
    const { aws } = service.bundle;
    service.ddb
      .on(aws.ScanCommand, { TableName: 'securecart-test-catalog' })
      .rejects(awsError('ResourceNotFoundException'));
    service.sqs
      .on(aws.GetQueueAttributesCommand, { QueueUrl: STATUS_QUEUE_URL })
      .rejects(awsError('QueueDoesNotExist'));

    const ready = await service.client.get('/api/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({
      status: 'unavailable',
      reason: `missing: table securecart-test-catalog, queue ${STATUS_QUEUE_URL}`,
    });
    expect((await service.client.get('/api/health/live')).status).toBe(200);

    service.ddb.reset();
    service.sqs.reset();
    expect((await service.client.get('/api/health/ready')).status).toBe(200);
  } finally {
    await service.close();
  }
});

test('a missing carts table is found with a read of one key, nothing written', async () => {
  const service = await startService(database, issuer);
  try {
    const { aws } = service.bundle;
    service.ddb.on(aws.GetCommand).rejects(awsError('ResourceNotFoundException'));
    const ready = await service.client.get('/api/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.reason).toBe('missing: table securecart-test-carts');
    expect(service.ddb.commandCalls(aws.PutCommand)).toHaveLength(0);
    expect(service.ddb.commandCalls(aws.UpdateCommand)).toHaveLength(0);
  } finally {
    await service.close();
  }
});

test('AccessDenied (a role without GetQueueAttributes) is logged, not counted as missing', async () => {
  const service = await startService(database, issuer);
  try {
    const { aws } = service.bundle;
    service.sqs.on(aws.GetQueueAttributesCommand).rejects(awsError('AccessDenied'));
    expect((await service.client.get('/api/health/ready')).status).toBe(200);
    expect(service.sqs.commandCalls(aws.GetQueueAttributesCommand)).toHaveLength(2);
    const warnings = service.logs.entries.filter((e) => String(e.message).startsWith('Readiness: could not check'));
    expect(warnings).toHaveLength(2);
  } finally {
    await service.close();
  }
});

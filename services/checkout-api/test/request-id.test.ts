/**
 * The request id in the service's logs and answers comes from x-request-id, which API Gateway
 * sets to its own request id on every integration request; any other client header is ignored.
 */
import { useService } from './helpers/harness';
import type { TestService } from './helpers/harness';

let service: TestService;

useService({}, (started) => ({ service } = started));

test('x-amzn-requestid from a client is not the request id; x-request-id (API Gateway’s) is', async () => {
  const forged = await service.client.request('GET', '/api/health/live', {
    headers: { 'x-amzn-requestid': 'forged-by-a-client-1234' },
  });
  expect(forged.headers['x-request-id']).not.toBe('forged-by-a-client-1234');
  expect(forged.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  const gateway = await service.client.request('GET', '/api/health/live', {
    headers: { 'x-request-id': 'c0ffee00-1234-4abc-8def-0123456789ab' },
  });
  expect(gateway.headers['x-request-id']).toBe('c0ffee00-1234-4abc-8def-0123456789ab');
});

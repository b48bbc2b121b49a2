/**
 * API Gateway may send a private integration's requests with the stage in the path
 * (`/live/api/...`, its developer guide) or without it: the service answers both forms the same,
 * accepts no other prefix, and logs the route without the stage (ADR 23).
 */
import * as http from 'node:http';
import fc from 'fast-check';
import { API_STAGE_NAME, withoutStagePrefix } from '@securecart/contracts/http-api';
import { newKey, orderBody, useService } from './helpers/harness';
import type { ServiceFixture } from './helpers/harness';

let fixture: ServiceFixture;
useService({}, (started) => (fixture = started));

/** A request with the target sent exactly as given (no URL normalisation by a client library). */
function raw(method: string, target: string, headers: Record<string, string> = {}, body?: string) {
  const { port } = new URL(fixture.service.handle.url);
  return new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: target, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          parsed = text;
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('the stage is the contract’s, and the prefix rule strips exactly one leading /<stage> segment', () => {
  expect(API_STAGE_NAME).toBe('live');
  expect(withoutStagePrefix('/live/api/products')).toBe('/api/products');
  expect(withoutStagePrefix('/live/api/products?limit=2')).toBe('/api/products?limit=2');
  expect(withoutStagePrefix('/live')).toBe('/');
  expect(withoutStagePrefix('/live?x=1')).toBe('/?x=1');
  expect(withoutStagePrefix('/api/products')).toBe('/api/products');
  // Only one segment goes: a doubled stage keeps its second (and is then a 404 route).
  expect(withoutStagePrefix('/live/live/api')).toBe('/live/api');
  for (const other of ['/lively/api', '/LIVE/api', '/test/api', '//live/api', '/%6Cive/api']) {
    expect(withoutStagePrefix(other)).toBe(other);
  }
});

test('property: a target is changed only when it starts with the stage segment, and only by removing it', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (tail) => {
      for (const target of [`/${tail}`, `/live/${tail}`, `/live${tail}`]) {
        const out = withoutStagePrefix(target);
        if (out === target) continue;
        // Changed: it was `/live` + (`/…` or `?…` or nothing), and only that segment went.
        expect(target.startsWith('/live')).toBe(true);
        const rest = target.slice('/live'.length);
        expect(rest === '' || rest.startsWith('/') || rest.startsWith('?')).toBe(true);
        expect(out).toBe(rest.startsWith('/') ? rest : `/${rest}`);
      }
    }),
    { numRuns: 500 },
  );
});

test('both path forms reach the same public routes', async () => {
  const plain = await raw('GET', '/api/health/live');
  const staged = await raw('GET', '/live/api/health/live');
  expect(plain.status).toBe(200);
  expect(staged).toEqual(plain);
});

test('both path forms reach the same customer routes, and the access line logs the route without the stage', async () => {
  const { issuer, service } = fixture;
  const token = issuer.token({ sub: 'customer-stage-prefix' });
  const headers = {
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    'idempotency-key': newKey(),
    'x-request-id': 'req-stage-prefix-order',
  };
  const placed = await raw('POST', '/live/api/orders', headers, JSON.stringify(orderBody()));
  expect(placed.status).toBe(202);
  const orderId = (placed.body as { orderId: string }).orderId;

  const viaStage = await raw('GET', `/live/api/orders/${orderId}`, { authorization: `Bearer ${token}` });
  const plain = await raw('GET', `/api/orders/${orderId}`, { authorization: `Bearer ${token}` });
  expect(viaStage.status).toBe(200);
  expect(viaStage).toEqual(plain);

  const line = service.logs.entries.find((e) => e.requestId === 'req-stage-prefix-order');
  expect(line).toMatchObject({ req: { method: 'POST', route: '/api/orders', path: '/api/orders' } });
  expect(service.logs.text()).not.toContain('/live/api');
});

test.each([
  '/test/api/health/live',
  '/LIVE/api/health/live',
  '/Live/api/health/live',
  '/live/live/api/health/live',
  '/lively/api/health/live',
  '/%6Cive/api/health/live',
  '/live%2Fapi/health/live',
  '//live/api/health/live',
  '/prod/api/health/live',
  '/live',
  '/live/',
])('any other prefix is 404: %s', async (target) => {
  const answer = await raw('GET', target);
  expect(answer.status).toBe(404);
});

test('property: a prefix segment other than the stage is 404, whatever its characters', async () => {
  const segment = fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
    .filter((s) => s !== API_STAGE_NAME && s !== 'api' && !s.includes('/') && !s.includes('?') && !s.includes('#'));
  await fc.assert(
    fc.asyncProperty(segment, async (s) => {
      const answer = await raw('GET', `/${encodeURIComponent(s)}/api/health/live`);
      expect(answer.status).toBe(404);
    }),
    { numRuns: 60 },
  );
});

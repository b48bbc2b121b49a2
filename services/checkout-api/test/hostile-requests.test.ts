/**
 * Property: every malformed or hostile POST /api/orders request gets a 4xx, and nothing is written.
 * Each generated request carries at least one defect that makes it invalid (so the property is
 * exact), often together with hostile-but-legal content (injection strings, unicode) elsewhere.
 */
import fc from 'fast-check';
import { newKey, orderBody, TestIssuer, useService } from './helpers/harness';
import type { TestDatabase, TestService } from './helpers/harness';

let database: TestDatabase;
let issuer: TestIssuer;
let service: TestService;
let token: string;

/** 256 KiB, as the service's BODY_LIMIT_BYTES (checked below). */
const BODY_LIMIT_BYTES = 256 * 1024;

useService({ LOG_LEVEL: 'warn' }, (started) => {
  ({ database, issuer, service } = started);
  token = issuer.token({ sub: 'customer-fuzz' });
});

const hostileText = fc.oneof(
  fc.constantFrom(
    "'; DROP TABLE orders; --",
    '" OR 1=1 --',
    "$1'); DELETE FROM outbox; --",
    '<script>alert(1)</script>',
    '{{7*7}}',
    '${jndi:ldap://x/a}',
    '../../etc/passwd',
    '\u0000\u0001\u001f',
    '\ud83d\ude00\u202e\u200b',
    'tok_approve\r\nX-Injected: 1',
    '__proto__',
  ),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

const notAnInt = fc.oneof(
  fc.double({ noInteger: true }),
  fc.constantFrom(1e308, -1e308, 2 ** 53 + 2, -0.5, Number.MAX_VALUE),
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
);
const notText = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 2 }),
  fc.object({ maxDepth: 1 }),
);

/** A value that is invalid for the field it replaces. */
const invalidFor: Record<string, fc.Arbitrary<unknown>> = {
  'items.0.quantity': fc.oneof(notAnInt, fc.integer({ min: 101 }), fc.integer({ max: 0 })),
  'items.0.productId': fc.oneof(notText, fc.constant(''), fc.string({ minLength: 65, maxLength: 300 })),
  'shippingAddress.country': fc.oneof(
    notText,
    fc.string({ maxLength: 6 }).filter((s) => !/^[A-Z]{2}$/.test(s)),
    hostileText.filter((s) => !/^[A-Z]{2}$/.test(s)),
  ),
  'shippingAddress.name': fc.oneof(notText, fc.constant(''), fc.string({ minLength: 201, maxLength: 400 })),
  'shippingAddress.postalCode': fc.oneof(notText, fc.constant(''), fc.string({ minLength: 21, maxLength: 60 })),
  'payment.token': fc.oneof(
    notText,
    hostileText.filter((s) => !/^tok_[a-z0-9_]{1,60}$/.test(s)),
    fc.string({ maxLength: 80 }).filter((s) => !/^tok_[a-z0-9_]{1,60}$/.test(s)),
  ),
  clientTotalCents: fc.oneof(notAnInt, fc.integer({ max: -1 })),
  items: fc.oneof(
    fc.constant([]),
    notText,
    fc.constant(Array.from({ length: 51 }, (_, i) => ({ productId: `p${i}`, quantity: 1 }))),
    fc.constant([
      { productId: 'dup', quantity: 1 },
      { productId: 'dup', quantity: 1 },
    ]),
  ),
  shippingAddress: fc.oneof(notText, fc.constant({})),
  payment: fc.oneof(notText, fc.constant({}), fc.record({ token: fc.constant('tok_approve'), pan: hostileText })),
};

function setPath(target: Record<string, unknown>, path: string, value: unknown) {
  const keys = path.split('.');
  let node = target as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  if (value === undefined) delete node[keys[keys.length - 1]];
  else node[keys[keys.length - 1]] = value;
}

interface HostileRequest {
  kind: string;
  body: string;
  contentType: string;
  key: string | undefined;
}

const validKey = fc.stringMatching(/^[A-Za-z0-9_-]{8,40}$/);
const json = (value: unknown) => JSON.stringify(value) ?? 'null';

/** A valid order whose free text may be hostile (legal on its own). */
const legalButHostileOrder = fc
  .record({
    name: fc.option(
      hostileText.filter((s) => s.length >= 1 && s.length <= 200),
      { nil: undefined },
    ),
  })
  .map(({ name }) => {
    const body = orderBody() as Record<string, unknown>;
    if (name !== undefined) setPath(body, 'shippingAddress.name', name);
    return body;
  });

const requests: fc.Arbitrary<HostileRequest> = fc.oneof(
  // One invalid field.
  fc.tuple(legalButHostileOrder, fc.constantFrom(...Object.keys(invalidFor)), validKey).chain(([body, path, key]) =>
    invalidFor[path].map((value) => {
      setPath(body, path, value);
      return { kind: `invalid ${path}`, body: json(body), contentType: 'application/json', key };
    }),
  ),
  // A required field missing.
  fc
    .tuple(
      legalButHostileOrder,
      fc.constantFrom('items', 'shippingAddress', 'payment', 'shippingAddress.city', 'items.0.productId'),
      validKey,
    )
    .map(([body, path, key]) => {
      setPath(body, path, undefined);
      return { kind: `missing ${path}`, body: json(body), contentType: 'application/json', key };
    }),
  // An unknown (possibly hostile) field, or a server-assigned one.
  fc
    .tuple(
      legalButHostileOrder,
      fc.oneof(
        fc.constantFrom('orderId', 'customerId', 'status', 'schemaVersion', 'currency', 'createdAt'),
        hostileText.filter((k) => k.length > 0 && k !== '__proto__'),
      ),
      fc.jsonValue(),
      validKey,
    )
    .filter(([body, field]) => !(field in body))
    .map(([body, field, value, key]) => ({
      kind: `extra field`,
      body: json({ ...body, [field]: value }),
      contentType: 'application/json',
      key,
    })),
  // Any JSON value at all (never an order by chance).
  fc
    .tuple(fc.jsonValue(), validKey)
    .map(([value, key]) => ({ kind: 'random json', body: json(value), contentType: 'application/json', key })),
  // Not JSON.
  fc
    .tuple(fc.oneof(fc.string({ unit: 'binary' }), hostileText, fc.constant('{"items":[')), validKey)
    .filter(([text]) => {
      try {
        JSON.parse(text);
        return false;
      } catch {
        return true;
      }
    })
    .map(([text, key]) => ({ kind: 'not json', body: text, contentType: 'application/json', key })),
  // A valid order with a bad or missing Idempotency-Key.
  fc
    .tuple(
      legalButHostileOrder,
      fc.oneof(
        fc.constant(undefined),
        fc.string({ maxLength: 7 }).filter((s) => !/[^\x21-\x7e]/.test(s)),
        fc.stringMatching(/^[A-Za-z0-9_-]{129,200}$/),
        fc.constantFrom("key' OR '1'='1", 'key with spaces', 'ключ-идемпотентности', 'key;DROP TABLE orders'),
      ),
    )
    .map(([body, key]) => ({ kind: 'bad key', body: json(body), contentType: 'application/json', key })),
  // The wrong content type.
  fc
    .tuple(
      legalButHostileOrder,
      fc.constantFrom(
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/xml',
      ),
      validKey,
    )
    .map(([body, contentType, key]) => ({ kind: 'content type', body: json(body), contentType, key })),
  // Oversized.
  fc.tuple(fc.integer({ min: BODY_LIMIT_BYTES + 1, max: BODY_LIMIT_BYTES * 2 }), validKey).map(([size, key]) => ({
    kind: 'oversized',
    body: json({ ...orderBody(), pad: 'x'.repeat(size) }),
    contentType: 'application/json',
    key,
  })),
);

test('1,200 malformed or hostile order requests: every one a 4xx, nothing written', async () => {
  const seen = new Map<string, number>();
  await fc.assert(
    fc.asyncProperty(requests, async (request) => {
      const headers: Record<string, string> = { 'content-type': request.contentType };
      // Raw UTF-8 bytes on the wire (Node's client only takes latin1 header strings).
      if (request.key !== undefined) headers['idempotency-key'] = Buffer.from(request.key).toString('latin1');
      const response = await service.client.request('POST', '/api/orders', { token, body: request.body, headers });
      const kind = request.kind.split(' ')[0];
      seen.set(kind, (seen.get(kind) ?? 0) + 1);
      if (response.status < 400 || response.status >= 500) {
        throw new Error(`${request.kind}: answered ${response.status} ${response.text.slice(0, 200)}`);
      }
      expect(typeof response.body?.message).toBe('string');
    }),
    { numRuns: 1200, seed: 20_260_109, endOnFailure: true },
  );
  expect(service.bundle.BODY_LIMIT_BYTES).toBe(BODY_LIMIT_BYTES);
  expect(await database.count('orders')).toBe(0);
  expect(await database.count('outbox')).toBe(0);
  expect(await database.count('order_status_history')).toBe(0);
  // Every kind of defect was exercised.
  expect([...seen.keys()].sort()).toEqual([
    'bad',
    'content',
    'extra',
    'invalid',
    'missing',
    'not',
    'oversized',
    'random',
  ]);
});

test('hostile text in legal fields is stored verbatim (parameterised SQL), not executed', async () => {
  const name = "Robert'); DROP TABLE orders; -- \u202e\ud83d\ude00";
  const body = orderBody({ shippingAddress: { ...orderBody().shippingAddress, name } });
  const response = await service.client.request('POST', '/api/orders', {
    token,
    json: body,
    headers: { 'idempotency-key': newKey() },
  });
  expect(response.status).toBe(202);
  const order = await service.client.get(`/api/orders/${response.body.orderId}`, token);
  expect(order.body.shippingAddress.name).toBe(name);
  expect(await database.count('orders')).toBe(1);
});

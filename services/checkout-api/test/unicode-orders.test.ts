/**
 * Issue 18, end to end through the service: over the whole Unicode range, every order the API
 * accepts is one SQS takes (the relay sends it; the fake SQS refuses what SQS refuses), and every
 * order it refuses gets a 400 naming the field. No input answers 5xx.
 */
import fc from 'fast-check';
import { newKey, orderBody, sqsTakingWhatSqsTakes, TestIssuer, useService } from './helpers/harness';
import type { TestService } from './helpers/harness';

let issuer: TestIssuer;
let service: TestService;

useService({ LOG_LEVEL: 'warn' }, (started) => ({ issuer, service } = started));

let sqs: { sent: string[]; refused: string[] };

beforeAll(() => {
  sqs = sqsTakingWhatSqsTakes(service);
});

const anyCodePoint = fc.integer({ min: 0, max: 0x10ffff }).map((cp) => String.fromCodePoint(cp));
const edge = fc.constantFrom(
  '\u0000',
  '\ufffe',
  '\uffff',
  '\ufdd0',
  '\ud800',
  '\udc00',
  '\u0301',
  '\u200f',
  '\u{10ffff}',
);
const text = fc.oneof(
  fc.string({ unit: anyCodePoint, minLength: 1, maxLength: 12 }),
  fc.string({
    unit: fc.oneof(
      { weight: 5, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
      { weight: 1, arbitrary: edge },
    ),
    minLength: 1,
    maxLength: 12,
  }),
  fc.constant('😀'.repeat(20)),
);
const FIELDS = ['name', 'line1', 'line2', 'city', 'postalCode'] as const;

test('every accepted order is relayable; every refused one names its field; never a 5xx', async () => {
  const token = issuer.token({ sub: 'customer-unicode' });
  const answers = { accepted: [] as string[], refused: 0 };
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...FIELDS, 'productId' as const), text, async (field, value) => {
      const body = orderBody();
      if (field === 'productId') body.items[0].productId = value;
      else (body.shippingAddress as Record<string, string>)[field] = value;
      const response = await service.client.request('POST', '/api/orders', {
        token,
        json: body,
        headers: { 'idempotency-key': newKey() },
      });
      expect([202, 400]).toContain(response.status);
      if (response.status === 202) answers.accepted.push(response.body.orderId);
      else {
        answers.refused++;
        const where = field === 'productId' ? 'body.items.0.productId' : `body.shippingAddress.${field}`;
        expect(response.body.message).toContain(`${where}: `);
      }
    }),
    { numRuns: 400, seed: 1818 },
  );
  while ((await service.handle.relay.runOnce()) > 0);
  expect(sqs.refused).toEqual([]);
  expect(answers.accepted.every((id) => sqs.sent.includes(id))).toBe(true);
  // Both answers are common: the property is not vacuous.
  expect(answers.accepted.length).toBeGreaterThan(40);
  expect(answers.refused).toBeGreaterThan(40);
});

test.each([
  ['NUL', 'Ada\u0000Lovelace', 'contains U+0000 at character 4: the NUL character'],
  [
    'a lone high surrogate',
    'Ada\ud800',
    'contains U+D800 at character 4: an unpaired surrogate, which is not a character',
  ],
  ['a lone low surrogate', '\udc00', 'contains U+DC00 at character 1: an unpaired surrogate, which is not a character'],
  ['U+FFFF', 'Ada\uffff', 'contains U+FFFF at character 4: a noncharacter'],
  ['U+FFFE', 'Ada\ufffe', 'contains U+FFFE at character 4: a noncharacter'],
])('a name with %s → 400 naming the field and the character', async (_name, value, reason) => {
  const body = orderBody({ shippingAddress: { ...orderBody().shippingAddress, name: value } });
  const response = await service.client.request('POST', '/api/orders', {
    token: issuer.token({ sub: 'customer-edges' }),
    json: body,
    headers: { 'idempotency-key': newKey() },
  });
  expect(response.status).toBe(400);
  expect(response.body.message).toBe(`body.shippingAddress.name: ${reason}`);
});

describe('the JSON body parser', () => {
  const post = (raw: string | Buffer) =>
    service.client.request('POST', '/api/orders', {
      token: issuer.token({ sub: 'customer-parser' }),
      body: raw,
      headers: { 'content-type': 'application/json', 'idempotency-key': newKey() },
    });
  const withKey = (key: string, where: 'top' | 'address') => {
    const text = JSON.stringify(orderBody());
    return where === 'top'
      ? `{"${key}":{"x":1},${text.slice(1)}`
      : text.replace('"shippingAddress":{', `"shippingAddress":{"${key}":{"polluted":true},`);
  };

  test.each([
    ['__proto__ at the top', withKey('__proto__', 'top'), 'body: Unrecognized key: "__proto__"'],
    [
      'constructor in the address',
      withKey('constructor', 'address'),
      'body.shippingAddress: Unrecognized key: "constructor"',
    ],
    ['__proto__ spelt with escapes', withKey('\\u005f\\u005fproto__', 'top'), 'body: Unrecognized key: "__proto__"'],
  ])('%s → 400 naming the key', async (_name, raw, message) => {
    const response = await post(raw);
    expect(response.status).toBe(400);
    expect(response.body.message).toBe(message);
  });

  test('a body that is not valid UTF-8 → 400, never stored as U+FFFD', async () => {
    const text = JSON.stringify(orderBody({ shippingAddress: { ...orderBody().shippingAddress, name: 'Ada XX' } }));
    const bytes = Buffer.from(text, 'utf8');
    const at = bytes.indexOf('XX');
    bytes[at] = 0xc3; // a lead byte followed by "X": an invalid sequence
    const response = await post(bytes);
    expect(response.status).toBe(400);
    expect(response.body.message).toBe('body: not valid UTF-8');
  });

  test('valid JSON that is not an order, and text that is not JSON, still answer 400', async () => {
    expect((await post('{"items": [}')).status).toBe(400);
    expect((await post('')).status).toBe(400);
    const ok = await post(JSON.stringify(orderBody()));
    expect(ok.status).toBe(202);
  });
});

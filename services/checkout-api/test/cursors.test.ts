/**
 * List cursors are parsed strictly (issue 18): whatever a client sends as `cursor`, the answer is
 * a page or a 400 naming the cursor, never a 500 from PostgreSQL.
 */
import fc from 'fast-check';
import { postOrder, TestIssuer, useService } from './helpers/harness';
import type { TestService } from './helpers/harness';

let issuer: TestIssuer;
let service: TestService;

useService({}, (started) => ({ issuer, service } = started));

const b64 = (text: string) => Buffer.from(text).toString('base64url');
const list = (cursor: string, token = issuer.token({ sub: 'customer-cursors' })) =>
  service.client.get(`/api/orders?limit=1&cursor=${encodeURIComponent(cursor)}`, token);

test.each([
  ['an id without a date', b64('1|x')],
  ['30 February', b64('2020-02-30T00:00:00.000Z|ord-1')],
  ['a date JavaScript parses and PostgreSQL refuses', b64('+275760-09-13T00:00:00.000Z|ord-1')],
  ['a date without time', b64('2020-02-03|ord-1')],
  ['hour 24', b64('2020-02-03T24:00:00.000Z|ord-1')],
  ['an order id of the wrong shape', b64("2024-01-01T00:00:00.000Z|ord'1")],
  ['a third part', b64('2024-01-01T00:00:00.000Z|ord-1|x')],
  ['non-canonical base64url', `${b64('2024-01-01T00:00:00.000Z|ord-1')}=`],
  ['a NUL in the date', b64('2024-01-01T00:00:00.000Z\u0000|ord-1')],
])('%s → 400 naming the cursor', async (_name, cursor) => {
  const response = await list(cursor);
  expect(response.status).toBe(400);
  expect(response.body.message).toBe('querystring.cursor: not a cursor this API issued');
});

test('a cursor the API issued still pages', async () => {
  const token = issuer.token({ sub: 'customer-cursor-pages' });
  for (let i = 0; i < 2; i++) expect((await postOrder(service.client, token)).status).toBe(202);
  const first = await service.client.get('/api/orders?limit=1', token);
  const second = await list(first.body.nextCursor, token);
  expect(second.status).toBe(200);
  expect(second.body.orders).toHaveLength(1);
  expect(second.body.orders[0].orderId).not.toBe(first.body.orders[0].orderId);
});

test('no cursor answers 500: arbitrary text and arbitrary "date|id" pairs', async () => {
  const statuses = new Set<number>();
  const pair = fc
    .tuple(fc.date({ noInvalidDate: false }), fc.string({ unit: 'binary', maxLength: 12 }), fc.boolean())
    .map(([date, id, valid]) =>
      b64(`${Number.isNaN(date.getTime()) ? 'Invalid' : date.toISOString()}|${valid ? 'ord-1' : id}`),
    );
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), pair), async (cursor) => {
      const response = await list(cursor);
      statuses.add(response.status);
      expect([200, 400]).toContain(response.status);
    }),
    { numRuns: 150, seed: 18 },
  );
  expect([...statuses].sort()).toEqual([200, 400]);
});

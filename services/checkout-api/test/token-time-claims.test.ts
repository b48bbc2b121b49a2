/**
 * The time claims aws-jwt-verify leaves open (issue 18): a token without `exp` would never expire,
 * and one issued in the future was minted with a wrong clock or to outlive its keys.
 */
import { postOrder, TestIssuer, useService } from './helpers/harness';
import type { TestDatabase, TestService, TokenClaims } from './helpers/harness';

let database: TestDatabase;
let issuer: TestIssuer;
let service: TestService;

useService({}, (started) => ({ database, issuer, service } = started));

const now = () => Math.floor(Date.now() / 1000);
/** Claims of the wrong type, as a hostile issuer could sign them. */
const untyped = (claims: Record<string, unknown>) => claims as TokenClaims;

const refused: [string, () => string][] = [
  ['no exp', () => issuer.token({ exp: undefined })],
  ['exp that is not a number', () => issuer.token(untyped({ exp: `${now() + 600}` }))],
  ['iat two minutes in the future', () => issuer.token({ iat: now() + 120 })],
  ['nbf two minutes in the future', () => issuer.token({ nbf: now() + 120 })],
  ['iat that is not a number', () => issuer.token(untyped({ iat: 'yesterday' }))],
  ['a lifetime of a year', () => issuer.token({ exp: now() + 365 * 86_400 })],
];

test.each(refused)('a token with %s → 401, nothing written', async (_name, make) => {
  const token = make();
  const before = await database.count('orders');
  for (const response of [await service.client.get('/api/orders', token), await postOrder(service.client, token)]) {
    expect(response.status).toBe(401);
    expect(response.body.message).toBe('The bearer token is not valid');
  }
  expect(await database.count('orders')).toBe(before);
});

test.each([
  ['iat within the clock skew', () => issuer.token({ iat: now() + 30 })],
  ['no iat (optional)', () => issuer.token({ iat: undefined })],
  ['a day-long lifetime', () => issuer.token({ exp: now() + 86_400 })],
])('a token with %s is accepted', async (_name, make) => {
  expect((await service.client.get('/api/orders', make())).status).toBe(200);
});

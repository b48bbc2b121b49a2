import { generateKeyPairSync } from 'node:crypto';
import { CLIENT_ID, orderBody, postOrder, signJwt, startService, TestIssuer, useService } from './helpers/harness';
import type { TestDatabase, TestService } from './helpers/harness';

let database: TestDatabase;
let issuer: TestIssuer;
let service: TestService;

useService({}, (started) => ({ database, issuer, service } = started));

const now = () => Math.floor(Date.now() / 1000);

describe('bearer tokens are verified by the service itself', () => {
  test('a valid access token is accepted; the JWKS was fetched from the issuer', async () => {
    const response = await service.client.get('/api/orders', issuer.token());
    expect(response.status).toBe(200);
    expect(issuer.jwksRequests).toBeGreaterThanOrEqual(1);
  });

  const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const rejected: [string, () => string | undefined][] = [
    ['no token', () => undefined],
    ['an expired token', () => issuer.token({ exp: now() - 60, iat: now() - 3660 })],
    ['another client', () => issuer.token({ client_id: 'some-other-client' })],
    ['an id token (token_use id)', () => issuer.token({ token_use: 'id', aud: CLIENT_ID, client_id: undefined })],
    ['no token_use', () => issuer.token({ token_use: undefined })],
    ['another issuer', () => issuer.token({ iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other' })],
    ['a signature by another key', () => issuer.token({}, { key: otherKey })],
    ['an unknown key id', () => issuer.token({}, { key: otherKey, kid: 'unknown-kid' })],
    [
      'alg none',
      () =>
        `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', client_id: CLIENT_ID, token_use: 'access', iss: issuer.issuer, exp: now() + 60 })).toString('base64url')}.`,
    ],
    ['a token without sub', () => issuer.token({ sub: undefined })],
    ['garbage', () => 'not.a.jwt'],
  ];

  test.each(rejected)('%s → 401 on cart, orders and order creation; nothing written', async (_name, make) => {
    const token = make();
    const before = await database.count('orders');
    for (const response of [
      await service.client.get('/api/cart', token),
      await service.client.get('/api/orders', token),
      await service.client.get('/api/orders/some-order', token),
      await postOrder(service.client, token as string),
    ]) {
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(response.body.message).toMatch(/bearer token/);
    }
    expect(await database.count('orders')).toBe(before);
  });

  test('a token verified once is refused when it expires (remembered only until its exp)', async () => {
    const exp = now() + 2;
    const token = issuer.token({ exp, iat: now() });
    expect((await service.client.get('/api/orders', token)).status).toBe(200);
    expect((await service.client.get('/api/orders', token)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 1100));
    const late = await service.client.get('/api/orders', token);
    expect(late.status).toBe(401);
    expect(late.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
  });

  test('a verified token does not vouch for a token that differs from it (another signature, another sub)', async () => {
    const token = issuer.token({ sub: 'remembered' });
    expect((await service.client.get('/api/orders', token)).status).toBe(200);
    const [header, payload, signature] = token.split('.');
    const forgedSignature = `${signature.slice(0, -4)}${signature.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    const otherSub = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: 'intruder' }),
    ).toString('base64url');
    for (const forged of [`${header}.${payload}.${forgedSignature}`, `${header}.${otherSub}.${signature}`]) {
      expect((await service.client.get('/api/orders', forged)).status).toBe(401);
    }
    expect((await service.client.get('/api/orders', token)).status).toBe(200);
  });

  test('a non-Bearer scheme is 401', async () => {
    const response = await service.client.request('GET', '/api/orders', {
      headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
    });
    expect(response.status).toBe(401);
  });

  test('another customer’s order is a 404, not a 403', async () => {
    const created = await postOrder(service.client, issuer.token({ sub: 'owner' }), orderBody());
    expect(created.status).toBe(202);
    const other = await service.client.get(`/api/orders/${created.body.orderId}`, issuer.token({ sub: 'intruder' }));
    expect(other.status).toBe(404);
    const owner = await service.client.get(`/api/orders/${created.body.orderId}`, issuer.token({ sub: 'owner' }));
    expect(owner.status).toBe(200);
  });

  test('catalog and health need no token', async () => {
    service.ddb.on(service.bundle.aws.ScanCommand).resolves({ Items: [] });
    expect((await service.client.get('/api/products')).status).toBe(200);
    expect((await service.client.get('/api/health/live')).status).toBe(200);
  });
});

describe('Cognito mode (AUTH_USER_POOL_ID)', () => {
  test('verifies Cognito access tokens against the pool issuer (JWKS preloaded, not fetched)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kid = 'cognito-kid';
    const userPoolId = 'us-east-1_TestPool1';
    const iss = `https://cognito-idp.us-east-1.amazonaws.com/${userPoolId}`;
    const cognito = await startService(
      database,
      issuer,
      { AUTH_ISSUER: '', AUTH_JWKS_URI: '', AUTH_USER_POOL_ID: userPoolId, DB_RUN_MIGRATIONS: 'false' },
      { jwks: { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] } as never },
    );
    try {
      const claims = {
        sub: 'cognito-user',
        client_id: CLIENT_ID,
        token_use: 'access',
        iss,
        exp: now() + 600,
        iat: now(),
      };
      expect((await cognito.client.get('/api/orders', signJwt(claims, privateKey, kid))).status).toBe(200);
      expect(
        (await cognito.client.get('/api/orders', signJwt({ ...claims, token_use: 'id' }, privateKey, kid))).status,
      ).toBe(401);
      expect(
        (await cognito.client.get('/api/orders', signJwt({ ...claims, client_id: 'x' }, privateKey, kid))).status,
      ).toBe(401);
      expect(
        (await cognito.client.get('/api/orders', signJwt({ ...claims, iss: issuer.issuer }, privateKey, kid))).status,
      ).toBe(401);
    } finally {
      await cognito.close();
    }
  });
});

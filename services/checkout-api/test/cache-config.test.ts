/** The shared cache's configuration (config.ts) and its IAM authentication token (cache/iam-token.ts). */
import { iamAuthToken } from '../src/cache/iam-token';
import { ConfigError, loadConfig } from '../src/config';

const BASE = {
  DATABASE_URL: 'postgres://u@127.0.0.1:5432/db',
  CATALOG_TABLE_NAME: 'c',
  CARTS_TABLE_NAME: 'k',
  ORDERS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/o.fifo',
  ORDER_STATUS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/s',
  AUTH_ISSUER: 'http://127.0.0.1:9/pool',
  AUTH_CLIENT_ID: 'client',
};

test('no CACHE_HOST: no shared cache', () => {
  expect(loadConfig(BASE).cache).toBeUndefined();
});

test('locally: plain TCP without AUTH; in the cloud: TLS and IAM authentication as the cache user', () => {
  expect(loadConfig({ ...BASE, CACHE_HOST: '127.0.0.1', CACHE_PORT: '6390' }).cache).toEqual({
    host: '127.0.0.1',
    port: 6390,
    tls: false,
    commandTimeoutMs: 100,
  });
  const cloud = loadConfig({
    ...BASE,
    CACHE_HOST: 'securecart-prod-cache-abc.serverless.euw1.cache.amazonaws.com',
    CACHE_NAME: 'securecart-prod-cache',
    CACHE_USER_ID: 'securecart-prod-checkout',
    AWS_REGION: 'eu-west-1',
  });
  expect(cloud.cache).toMatchObject({
    tls: true,
    iam: { cacheName: 'securecart-prod-cache', userId: 'securecart-prod-checkout', region: 'eu-west-1' },
  });
});

test('IAM authentication without TLS, or without the cache name, is refused at start-up', () => {
  const env = { ...BASE, CACHE_HOST: 'h', CACHE_USER_ID: 'u', AWS_REGION: 'eu-west-1' };
  expect(() => loadConfig({ ...env, CACHE_TLS: 'false', CACHE_NAME: 'n' })).toThrow(/CACHE_TLS=true/);
  expect(() => loadConfig(env)).toThrow(ConfigError);
  expect(() => loadConfig(env)).toThrow(/CACHE_NAME is required/);
});

test('the order rate limit: from the environment, 0 a minute turns it off', () => {
  expect(loadConfig({ ...BASE, ORDER_RATE_LIMIT_BURST: '3', ORDER_RATE_LIMIT_PER_MINUTE: '2' }).orderRateLimit).toEqual(
    {
      capacity: 3,
      perMinute: 2,
    },
  );
  expect(loadConfig({ ...BASE, ORDER_RATE_LIMIT_PER_MINUTE: '0' }).orderRateLimit).toBeUndefined();
});

test("the IAM token: ElastiCache's presigned connect request for the cache and user, valid 15 minutes", async () => {
  // Signed in eu-west-1 with fixed credentials at a fixed time.
  const tokenOf = (cacheName: string, userId: string) =>
    iamAuthToken({
      cacheName,
      userId,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
      signingDate: new Date('2026-12-07T12:00:00Z'),
    });
  const token = await tokenOf('SecureCart-Prod-Cache', 'securecart-prod-checkout');
  expect(token.startsWith('securecart-prod-cache/?')).toBe(true);
  expect(token).not.toMatch(/^https?:/);
  const query = new URLSearchParams(token.split('?')[1]);
  expect(Object.fromEntries(query)).toMatchObject({
    Action: 'connect',
    User: 'securecart-prod-checkout',
    ResourceType: 'ServerlessCache',
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': 'AKIDEXAMPLE/20261207/eu-west-1/elasticache/aws4_request',
    'X-Amz-Date': '20261207T120000Z',
    'X-Amz-Expires': '900',
    'X-Amz-SignedHeaders': 'host',
  });
  expect(query.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  // Deterministic for the same inputs; another user gets another signature.
  const again = await tokenOf('securecart-prod-cache', 'someone-else');
  expect(new URLSearchParams(again.split('?')[1]).get('X-Amz-Signature')).not.toBe(query.get('X-Amz-Signature'));
});

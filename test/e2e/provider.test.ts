import { createHash, createPublicKey, createVerify, randomBytes } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import { LocalManagedLogin } from './provider';

/*
 * The browser journey's managed-login stand-in, offline: the refusals the journey's happy path never
 * meets (unregistered redirect URI, missing PKCE, wrong verifier, reused code, revoked refresh token,
 * unregistered logout URI, foreign CORS origin) and the shape of the tokens it issues.
 */

const STOREFRONT = 'http://127.0.0.1:1';
const CALLBACK = `${STOREFRONT}/auth/callback`;
const user = { email: 'ada@example.com', password: 'correct horse', sub: '7d1f6c2e-0d5c-4c39-9d4e-6a1f3b2c9e10' };

let provider: LocalManagedLogin;

beforeAll(async () => {
  provider = await new LocalManagedLogin({ clientId: 'test-client', user, tokenLifetimeSeconds: 300 }).start();
  provider.registerClient(STOREFRONT);
});
afterAll(() => provider.stop());

const verifier = () => randomBytes(32).toString('base64url');
const challenge = (v: string) => createHash('sha256').update(v).digest('base64url');

function authorizeUrl(overrides: Record<string, string | null> = {}, v = verifier()): string {
  const url = new URL(`${provider.domain}/oauth2/authorize`);
  const params: Record<string, string | null> = {
    response_type: 'code',
    client_id: 'test-client',
    redirect_uri: CALLBACK,
    scope: 'openid email',
    state: 'state-1',
    nonce: 'nonce-1',
    code_challenge: challenge(v),
    code_challenge_method: 'S256',
    ...overrides,
  };
  for (const [key, value] of Object.entries(params)) if (value !== null) url.searchParams.set(key, value);
  return url.toString();
}

const get = (url: string, cookie?: string) => fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
const post = (path: string, form: Record<string, string>, origin = STOREFRONT) =>
  fetch(`${provider.domain}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
    body: new URLSearchParams(form).toString(),
  });

/** Signs in through the form; returns the callback URL and the session cookie. */
async function signIn(v: string, password = user.password) {
  const toLogin = await get(authorizeUrl({}, v));
  expect(toLogin.status).toBe(302);
  const loginUrl = new URL(toLogin.headers.get('location')!, provider.domain);
  const form = Object.fromEntries(loginUrl.searchParams);
  return post('/login', { ...form, email: user.email, password });
}

function decode(jwt: string) {
  const [header, payload, signature] = jwt.split('.');
  const json = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString());
  return { header: json(header), payload: json(payload), signature, input: `${header}.${payload}` };
}

async function verifySignature(jwt: string): Promise<boolean> {
  const { header, input, signature } = decode(jwt);
  const jwks = (await (await fetch(provider.jwksUri)).json()) as { keys: { kid: string; [key: string]: unknown }[] };
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk) return false;
  const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  return createVerify('RSA-SHA256').update(input).verify(key, Buffer.from(signature, 'base64url'));
}

test('an unregistered redirect_uri is refused on the provider page, never redirected to', async () => {
  const r = await get(authorizeUrl({ redirect_uri: 'http://127.0.0.1:2/auth/callback' }));
  expect(r.status).toBe(400);
  expect(r.headers.get('location')).toBeNull();
  expect(await r.text()).toContain('is not a registered callback URL');
});

test('an authorization request without PKCE S256 goes back with invalid_request', async () => {
  for (const overrides of [{ code_challenge: null }, { code_challenge_method: 'plain' }] as Record<
    string,
    string | null
  >[]) {
    const r = await get(authorizeUrl(overrides));
    expect(r.status).toBe(302);
    const back = new URL(r.headers.get('location')!);
    expect(back.origin + back.pathname).toBe(CALLBACK);
    expect(back.searchParams.get('error')).toBe('invalid_request');
    expect(back.searchParams.get('state')).toBe('state-1');
  }
});

test('the login form refuses a wrong password in Cognito words, and serves a strict CSP', async () => {
  const toLogin = await get(authorizeUrl());
  const page = await get(new URL(toLogin.headers.get('location')!, provider.domain).toString());
  expect(page.status).toBe(200);
  expect(page.headers.get('content-security-policy')).toMatch(/form-action 'self' http:\/\/127\.0\.0\.1:1;/);
  expect(await page.text()).toMatch(/<input id="password" name="password" type="password"/);
  const wrong = await signIn(verifier(), 'wrong');
  expect(wrong.status).toBe(200);
  expect(await wrong.text()).toContain('Incorrect username or password.');
});

test('code + PKCE → Cognito-shaped tokens; a wrong verifier, a reused code and a revoked refresh token are refused', async () => {
  // A wrong verifier burns the code.
  const first = await signIn(verifier());
  expect(first.status).toBe(302);
  const cookie = first.headers.get('set-cookie')!.split(';')[0];
  const firstCode = new URL(first.headers.get('location')!).searchParams.get('code')!;
  const wrongVerifier = await post('/oauth2/token', {
    grant_type: 'authorization_code',
    client_id: 'test-client',
    code: firstCode,
    redirect_uri: CALLBACK,
    code_verifier: verifier(),
  });
  expect(wrongVerifier.status).toBe(400);
  expect(await wrongVerifier.json()).toMatchObject({ error: 'invalid_grant' });

  // The session cookie signs in again without the form.
  const v = verifier();
  const again = await get(authorizeUrl({}, v), cookie);
  const callback = new URL(again.headers.get('location')!);
  expect(callback.origin + callback.pathname).toBe(CALLBACK);
  expect(callback.searchParams.get('state')).toBe('state-1');
  const form = {
    grant_type: 'authorization_code',
    client_id: 'test-client',
    code: callback.searchParams.get('code')!,
    redirect_uri: CALLBACK,
    code_verifier: v,
  };
  const exchanged = await post('/oauth2/token', form);
  expect(exchanged.status).toBe(200);
  expect(exchanged.headers.get('access-control-allow-origin')).toBe(STOREFRONT);
  const tokens = (await exchanged.json()) as Record<string, any>;
  expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 300 });
  expect(typeof tokens.refresh_token).toBe('string');

  const access = decode(tokens.access_token);
  expect(access.header).toMatchObject({ alg: 'RS256' });
  expect(access.payload).toMatchObject({
    sub: user.sub,
    iss: provider.issuer,
    client_id: 'test-client',
    token_use: 'access',
    scope: 'openid email',
  });
  expect(access.payload.aud).toBeUndefined();
  const id = decode(tokens.id_token);
  expect(id.payload).toMatchObject({ aud: 'test-client', token_use: 'id', email: user.email, nonce: 'nonce-1' });
  expect(id.payload.at_hash).toBe(
    createHash('sha256').update(tokens.access_token).digest().subarray(0, 16).toString('base64url'),
  );
  expect(await verifySignature(tokens.access_token)).toBe(true);
  expect(await verifySignature(tokens.id_token)).toBe(true);
  expect(provider.grantOf(tokens.access_token)).toBe('authorization_code');

  const reused = await post('/oauth2/token', form);
  expect(reused.status).toBe(400);

  const refresh = { grant_type: 'refresh_token', client_id: 'test-client', refresh_token: tokens.refresh_token };
  const renewed = await post('/oauth2/token', refresh);
  expect(renewed.status).toBe(200);
  const renewedTokens = (await renewed.json()) as Record<string, any>;
  expect(renewedTokens.refresh_token).toBeUndefined();
  expect(decode(renewedTokens.id_token).payload.auth_time).toBe(id.payload.auth_time);
  expect(provider.grantOf(renewedTokens.access_token)).toBe('refresh_token');

  const revoked = await post('/oauth2/revoke', { token: tokens.refresh_token, client_id: 'test-client' });
  expect(revoked.status).toBe(200);
  expect((await post('/oauth2/token', refresh)).status).toBe(400);

  // Logout: only to a registered sign-out URL; it ends the session.
  const badLogout = await get(
    `${provider.domain}/logout?client_id=test-client&logout_uri=http://evil.example/`,
    cookie,
  );
  expect(badLogout.status).toBe(400);
  const logout = await get(
    `${provider.domain}/logout?client_id=test-client&logout_uri=${encodeURIComponent(`${STOREFRONT}/signed-out`)}`,
    cookie,
  );
  expect(logout.status).toBe(302);
  expect(logout.headers.get('location')).toBe(`${STOREFRONT}/signed-out`);
  const afterLogout = await get(authorizeUrl(), cookie);
  expect(new URL(afterLogout.headers.get('location')!, provider.domain).pathname).toBe('/login');
});

test('the token endpoint answers CORS only for the registered storefront origin', async () => {
  const r = await post(
    '/oauth2/token',
    { grant_type: 'refresh_token', client_id: 'test-client', refresh_token: 'x' },
    'http://other.example',
  );
  expect(r.status).toBe(400);
  expect(r.headers.get('access-control-allow-origin')).toBeNull();
});

/**
 * The real sign-in code path (oidc-client-ts) against Cognito's managed-login endpoints, with the
 * browser's fetch and navigation mocked: authorization code + PKCE, no client secret, no request
 * to cognito-idp (the authority) when cognitoDomain is configured.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cognitoMetadata, createOidcAuth, storedUserKey } from '../src/auth';
import type { RuntimeConfig } from '../src/config';
import { json } from './helpers';

const ORIGIN = window.location.origin;
const DOMAIN = 'https://securecart-test.auth.eu-west-1.amazoncognito.com';
const CONFIG: RuntimeConfig = {
  authority: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Test',
  clientId: 'client123',
  redirectUri: `${ORIGIN}/auth/callback`,
  logoutUri: `${ORIGIN}/signed-out`,
  scope: 'openid email',
  cognitoDomain: DOMAIN,
};

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (claims: object) => `${b64url({ alg: 'RS256', kid: 'k' })}.${b64url(claims)}.sig`;

describe('OIDC sign-in with oidc-client-ts', () => {
  let assign: ReturnType<typeof vi.fn<(url: string | URL) => void>>;
  let fetchMock: ReturnType<typeof vi.fn<(url: string, init?: RequestInit) => Promise<Response>>>;

  beforeEach(() => {
    assign = vi.fn<(url: string | URL) => void>();
    vi.spyOn(window.location, 'assign').mockImplementation(assign);
    fetchMock = vi.fn<(url: string, init?: RequestInit) => Promise<Response>>();
    vi.stubGlobal('fetch', fetchMock);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    window.history.replaceState(null, '', '/');
  });

  it('signs in with code + PKCE, signs out through Cognito /logout, and never asks the authority', async () => {
    const auth = createOidcAuth(CONFIG);
    expect(await auth.getUser()).toBeNull();

    // Resolves only when the page unloads, as it does in a browser: wait for the navigation instead.
    void auth.signIn('/orders');
    await vi.waitFor(() => expect(assign).toHaveBeenCalled());
    const authorize = new URL(assign.mock.calls[0][0] as string);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${DOMAIN}/oauth2/authorize`);
    const params = Object.fromEntries(authorize.searchParams);
    expect(params).toMatchObject({
      client_id: 'client123',
      redirect_uri: `${ORIGIN}/auth/callback`,
      response_type: 'code',
      scope: 'openid email',
      code_challenge_method: 'S256',
    });
    expect(params.code_challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params).not.toHaveProperty('client_secret');

    // The managed login redirects back with a code; the app redeems it with the PKCE verifier.
    const now = Math.floor(Date.now() / 1000);
    const idToken = jwt({
      sub: 'customer-1',
      email: 'ada@example.com',
      iss: CONFIG.authority,
      aud: 'client123',
      iat: now,
      exp: now + 3600,
      ...(params.nonce ? { nonce: params.nonce } : {}),
    });
    fetchMock.mockImplementation(async (url, init) => {
      if (url === `${DOMAIN}/oauth2/token`) {
        return json({
          id_token: idToken,
          access_token: 'access-1',
          refresh_token: 'refresh-1',
          token_type: 'Bearer',
          expires_in: 3600,
        });
      }
      if (url === `${DOMAIN}/oauth2/revoke`) return new Response('', { status: 200 });
      throw new Error(`unexpected fetch ${url} ${init?.method}`);
    });
    window.history.replaceState(null, '', `/auth/callback?code=the-code&state=${params.state}`);
    const listener = vi.fn();
    auth.subscribe(listener);

    expect(await auth.completeSignIn()).toBe('/orders');
    const [tokenUrl, tokenInit] = fetchMock.mock.calls[0] as [string, RequestInit];
    expect(tokenUrl).toBe(`${DOMAIN}/oauth2/token`);
    const form = new URLSearchParams(String(tokenInit.body));
    expect(Object.fromEntries(form)).toMatchObject({
      grant_type: 'authorization_code',
      code: 'the-code',
      client_id: 'client123',
      redirect_uri: `${ORIGIN}/auth/callback`,
    });
    expect(form.get('code_verifier')).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(form.has('client_secret')).toBe(false);
    expect(listener).toHaveBeenCalledWith({ subject: 'customer-1', displayName: 'ada@example.com' });

    expect(await auth.getAccessToken()).toBe('access-1');
    expect(await auth.getUser()).toEqual({ subject: 'customer-1', displayName: 'ada@example.com' });

    await auth.signOut();
    const revoke = fetchMock.mock.calls.find(([url]) => url === `${DOMAIN}/oauth2/revoke`) as [string, RequestInit];
    expect(new URLSearchParams(String(revoke[1].body)).get('token')).toBe('refresh-1');
    const logout = new URL(assign.mock.calls.at(-1)![0] as string);
    expect(`${logout.origin}${logout.pathname}`).toBe(`${DOMAIN}/logout`);
    expect(Object.fromEntries(logout.searchParams)).toMatchObject({
      client_id: 'client123',
      logout_uri: `${ORIGIN}/signed-out`,
      post_logout_redirect_uri: `${ORIGIN}/signed-out`,
      id_token_hint: idToken,
    });
    expect(await auth.getUser()).toBeNull();

    const hosts = fetchMock.mock.calls.map(([url]) => new URL(url as string).host);
    expect(hosts.every((h) => h.endsWith('.amazoncognito.com'))).toBe(true);
  });

  it('loads the sign-in library only when needed: never for a signed-out visit', async () => {
    window.sessionStorage.clear();
    const load = vi.fn(() => import('oidc-client-ts'));
    const auth = createOidcAuth(CONFIG, { load });
    expect(await auth.getUser()).toBeNull();
    expect(await auth.getAccessToken()).toBeNull();
    expect(load).not.toHaveBeenCalled();

    // A session in this tab (oidc-client-ts's own key): the library is loaded to read and renew it.
    const expired = { profile: { sub: 'customer-1' }, access_token: 'a', token_type: 'Bearer', expires_at: 1 };
    window.sessionStorage.setItem(storedUserKey(CONFIG), JSON.stringify(expired));
    expect(await auth.getUser()).toBeNull(); // expired, nothing to renew it with: the library forgets it
    expect(window.sessionStorage.getItem(storedUserKey(CONFIG))).toBeNull();
    expect(load).toHaveBeenCalledTimes(1);
    window.sessionStorage.clear();

    // Signing in loads it, of course.
    const other = createOidcAuth(CONFIG, { load });
    void other.signIn('/');
    await vi.waitFor(() => expect(assign).toHaveBeenCalled());
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('cognitoMetadata puts every endpoint on the managed-login domain and keeps the issuer', () => {
    const metadata = cognitoMetadata(CONFIG.authority, DOMAIN);
    expect(metadata.issuer).toBe(CONFIG.authority);
    for (const key of [
      'authorization_endpoint',
      'token_endpoint',
      'revocation_endpoint',
      'end_session_endpoint',
    ] as const) {
      expect(metadata[key]).toMatch(new RegExp(`^${DOMAIN}/`));
    }
  });
});

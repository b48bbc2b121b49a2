import { createHash, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { IssuerHost, SigningKey } from '../smoke/issuer';
import { LoopbackServer } from '../smoke/loopback';

/**
 * A local stand-in for a Cognito user pool and its managed login, close enough for the storefront's
 * real sign-in code (oidc-client-ts with `cognitoDomain`) and the checkout service's real token
 * verification. Nothing in the storefront or the service knows it is not Cognito.
 *
 * Two origins on 127.0.0.1, as Cognito has two hosts:
 * - the issuer (Cognito: https://cognito-idp.<region>.amazonaws.com/<userPoolId>), the smoke
 *   suite's issuer host (test/smoke/issuer.ts): `<issuer>/.well-known/jwks.json` and
 *   `<issuer>/.well-known/openid-configuration`. Only the checkout service reads it (JWKS). The
 *   browser must never call it; the storefront's CSP does not allow it, so a discovery request
 *   would show up as a CSP violation.
 * - the managed-login domain (Cognito: https://<prefix>.auth.<region>.amazoncognito.com):
 *   `GET /oauth2/authorize` → 302 `/login`, a real HTML form (e-mail + password) posting to
 *   `POST /login`, which redirects back to the registered callback with `code` and `state`;
 *   `POST /oauth2/token` (authorization_code with PKCE S256 verification; refresh_token);
 *   `POST /oauth2/revoke` (refresh tokens); `GET /logout` (client_id + logout_uri).
 *   The token and revoke endpoints answer CORS requests from the registered storefront origins.
 *
 * Tokens are RS256 JWTs shaped like Cognito's: the access token carries `token_use: access`,
 * `client_id`, `sub`, `iss`, `scope`, `username` and no `aud`; the ID token `token_use: id`, `aud`,
 * `email`, `cognito:username`, `at_hash`, `auth_time` and the request's `nonce`. Refresh tokens are
 * opaque and, as Cognito's are by default, not rotated: a refresh answer has no new refresh token.
 * Authorization codes are single-use and expire after 5 minutes (Cognito's values).
 */

export interface ProviderUser {
  readonly email: string;
  readonly password: string;
  /** The token's `sub` (Cognito: a UUID): the checkout service's customer id. */
  readonly sub: string;
}

export interface ProviderOptions {
  readonly clientId: string;
  readonly user: ProviderUser;
  /** Lifetime of access and ID tokens, in seconds (Cognito: 5 min to 1 day, default 1 h). */
  readonly tokenLifetimeSeconds?: number;
}

/** How a token was obtained: at sign-in (code) or by renewal (refresh token). */
export type Grant = 'authorization_code' | 'refresh_token';

/** What the provider has seen, for the journey's checks. */
export interface ProviderStats {
  loginPages: number;
  failedLogins: number;
  /** Authorizations answered straight from the session cookie, without the form. */
  sessionSignIns: number;
  codesIssued: number;
  codeGrants: number;
  refreshGrants: number;
  revocations: number;
  logouts: number;
  /** Fetches of the JWKS (by the checkout service). */
  readonly jwksRequests: number;
  /** Every request refused, with why (protocol errors the client made). */
  readonly refusals: string[];
}

interface Authorization {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly state: string | null;
  readonly scope: string;
  readonly codeChallenge: string;
  readonly nonce: string | null;
}

interface IssuedCode extends Authorization {
  readonly authTime: number;
  readonly expiresAt: number;
  used: boolean;
}

interface RefreshGrant {
  readonly clientId: string;
  readonly scope: string;
  readonly authTime: number;
  revoked: boolean;
}

interface Client {
  readonly callbackUrls: readonly string[];
  readonly logoutUrls: readonly string[];
  readonly origins: readonly string[];
}

const CODE_LIFETIME_MS = 5 * 60_000;
const SESSION_COOKIE = 'e2e-managed-login';
/** RFC 7636: 43 to 128 characters from the unreserved set. */
const VERIFIER_PATTERN = /^[A-Za-z0-9._~-]{43,128}$/;
const CHALLENGE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');
const sha256 = (text: string) => createHash('sha256').update(text).digest();
const opaque = () => randomBytes(32).toString('base64url');

class OAuthError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export class LocalManagedLogin {
  readonly clientId: string;
  readonly user: ProviderUser;
  readonly tokenLifetimeSeconds: number;
  private readonly key = new SigningKey(`e2e-${randomBytes(6).toString('hex')}`);
  private readonly issuerHost = new IssuerHost(this.key, `local_E2E${randomBytes(3).toString('hex').toUpperCase()}`, {
    'openid-configuration': () => this.discovery(),
  });
  readonly stats: ProviderStats = newStats(this.issuerHost);
  /** The managed-login origin (Cognito: https://<prefix>.auth.<region>.amazoncognito.com); set by start(). */
  domain = '';
  private readonly clients = new Map<string, Client>();
  private readonly codes = new Map<string, IssuedCode>();
  private readonly refreshTokens = new Map<string, RefreshGrant>();
  private readonly sessions = new Map<string, number>();
  /** Every access token issued, and how (the journey checks which ones the API accepted). */
  private readonly accessTokens = new Map<string, Grant>();
  private readonly loginServer = new LoopbackServer((req, res) => {
    this.loginRoutes(req, res).catch((error: unknown) => {
      this.stats.refusals.push(`${req.method} ${req.url}: ${(error as Error).message}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error');
    });
  });

  constructor(options: ProviderOptions) {
    this.clientId = options.clientId;
    this.user = options.user;
    this.tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? 3600;
  }

  /** The issuer (Cognito: https://cognito-idp.<region>.amazonaws.com/<userPoolId>); set by start(). */
  get issuer(): string {
    return this.issuerHost.issuer;
  }

  get jwksUri(): string {
    return this.issuerHost.jwksUri;
  }

  async start(): Promise<this> {
    await this.issuerHost.start();
    this.domain = await this.loginServer.start();
    return this;
  }

  async stop(): Promise<void> {
    await Promise.all([this.loginServer.stop(), this.issuerHost.stop()]);
  }

  /** The app client's allowed callback and sign-out URLs (Cognito: the app client settings), and its origin for CORS. */
  registerClient(storefrontOrigin: string): void {
    this.clients.set(this.clientId, {
      callbackUrls: [`${storefrontOrigin}/auth/callback`],
      logoutUrls: [`${storefrontOrigin}/signed-out`],
      origins: [storefrontOrigin],
    });
  }

  /** How an access token was obtained, or undefined when this provider did not issue it. */
  grantOf(accessToken: string): Grant | undefined {
    return this.accessTokens.get(accessToken);
  }

  // --- the issuer host: its discovery document ---------------------------------------------------

  private discovery() {
    return {
      issuer: this.issuer,
      authorization_endpoint: `${this.domain}/oauth2/authorize`,
      token_endpoint: `${this.domain}/oauth2/token`,
      revocation_endpoint: `${this.domain}/oauth2/revoke`,
      end_session_endpoint: `${this.domain}/logout`,
      jwks_uri: this.jwksUri,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      code_challenge_methods_supported: ['S256'],
      id_token_signing_alg_values_supported: ['RS256'],
      subject_types_supported: ['public'],
      scopes_supported: ['openid', 'email', 'phone', 'profile'],
      token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
    };
  }

  // --- the managed-login domain ------------------------------------------------------------------

  private async loginRoutes(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.domain);
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case 'GET /oauth2/authorize':
        return this.authorize(req, res, url.searchParams);
      case 'GET /login':
        return this.loginPage(res, url.searchParams);
      case 'POST /login':
        return this.login(res, new URLSearchParams(await readBody(req)));
      case 'POST /oauth2/token':
      case 'POST /oauth2/revoke':
      case 'OPTIONS /oauth2/token':
      case 'OPTIONS /oauth2/revoke':
        return this.tokenEndpoints(req, res, url.pathname);
      case 'GET /logout':
        return this.logout(req, res, url.searchParams);
      default:
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  }

  /**
   * Checks an authorization request. Errors that make the redirect URI untrustworthy (unknown
   * client, unregistered redirect_uri) are shown on the provider's own page, never redirected;
   * the others go back to the client as `error` parameters, as OAuth 2.0 requires.
   */
  private checkAuthorization(params: URLSearchParams): { ok: Authorization } | { page: string } | { redirect: string } {
    const clientId = params.get('client_id') ?? '';
    const redirectUri = params.get('redirect_uri') ?? '';
    const client = this.clients.get(clientId);
    if (!client) return { page: `Unknown client_id ${JSON.stringify(clientId)}.` };
    if (!client.callbackUrls.includes(redirectUri)) {
      return { page: `redirect_uri ${JSON.stringify(redirectUri)} is not a registered callback URL.` };
    }
    const state = params.get('state');
    const back = (error: string, description: string) => {
      const target = new URL(redirectUri);
      target.searchParams.set('error', error);
      target.searchParams.set('error_description', description);
      if (state !== null) target.searchParams.set('state', state);
      return { redirect: target.toString() };
    };
    if (params.get('response_type') !== 'code') return back('unsupported_response_type', 'response_type must be code');
    const scope = params.get('scope') ?? 'openid';
    if (!scope.split(' ').includes('openid')) return back('invalid_scope', 'scope must include openid');
    const codeChallenge = params.get('code_challenge') ?? '';
    if (params.get('code_challenge_method') !== 'S256' || !CHALLENGE_PATTERN.test(codeChallenge)) {
      return back('invalid_request', 'PKCE is required: code_challenge with code_challenge_method=S256');
    }
    return { ok: { clientId, redirectUri, state, scope, codeChallenge, nonce: params.get('nonce') } };
  }

  private authorize(req: http.IncomingMessage, res: http.ServerResponse, params: URLSearchParams): void {
    const checked = this.checkAuthorization(params);
    if ('page' in checked) return this.refuse(res, 'GET /oauth2/authorize', checked.page);
    if ('redirect' in checked) {
      this.stats.refusals.push(`GET /oauth2/authorize: ${new URL(checked.redirect).searchParams.get('error')}`);
      res.writeHead(302, { location: checked.redirect }).end();
      return;
    }
    // A live managed-login session signs in without asking again, as Cognito does.
    const authTime = this.sessions.get(cookie(req, SESSION_COOKIE) ?? '');
    if (authTime !== undefined) {
      this.stats.sessionSignIns++;
      res.writeHead(302, { location: this.issueCode(checked.ok, authTime) }).end();
      return;
    }
    res.writeHead(302, { location: `/login?${params.toString()}` }).end();
  }

  private loginPage(res: http.ServerResponse, params: URLSearchParams, error?: string): void {
    const checked = this.checkAuthorization(params);
    if (!('ok' in checked)) {
      return this.refuse(res, 'GET /login', 'page' in checked ? checked.page : 'invalid authorization request');
    }
    this.stats.loginPages++;
    const nonce = randomBytes(16).toString('base64');
    const origins = [...new Set(this.clients.get(checked.ok.clientId)!.callbackUrls.map((u) => new URL(u).origin))];
    const hidden = [...params]
      .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
      .join('\n      ');
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      // The login page's own policy: nothing but its inline style, posting only to itself, and
      // the redirect after the post only to the client's callback origin; never framed.
      'content-security-policy': `default-src 'none'; style-src 'nonce-${nonce}'; form-action 'self' ${origins.join(' ')}; frame-ancestors 'none'; base-uri 'none'`,
      'x-frame-options': 'DENY',
    }).end(`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Sign in</title>
    <style nonce="${nonce}">
      body { font-family: system-ui, sans-serif; background: #f4f5f7; margin: 0; }
      main { max-width: 22rem; margin: 4rem auto; background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 4px #0002; }
      label, input, button { display: block; width: 100%; box-sizing: border-box; }
      input { margin: 0.25rem 0 1rem; padding: 0.5rem; font-size: 1rem; }
      button { padding: 0.6rem; font-size: 1rem; background: #1f4fd1; color: #fff; border: 0; border-radius: 4px; }
      .error { color: #a4000f; }
      .note { color: #555; font-size: 0.85rem; }
    </style>
  </head>
  <body>
    <main>
      <h1>Sign in</h1>
      <p class="note">Local managed login for the end-to-end test (stands in for Cognito).</p>
      ${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
      <form method="post" action="/login">
      ${hidden}
        <label for="email">Email address</label>
        <input id="email" name="email" type="email" autocomplete="username" required>
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required>
        <button type="submit">Sign in</button>
      </form>
    </main>
  </body>
</html>
`);
  }

  private login(res: http.ServerResponse, form: URLSearchParams): void {
    const email = form.get('email') ?? '';
    const password = form.get('password') ?? '';
    const params = new URLSearchParams([...form].filter(([name]) => name !== 'email' && name !== 'password'));
    const checked = this.checkAuthorization(params);
    if (!('ok' in checked)) {
      return this.refuse(res, 'POST /login', 'page' in checked ? checked.page : 'invalid authorization request');
    }
    if (email.toLowerCase() !== this.user.email.toLowerCase() || password !== this.user.password) {
      this.stats.failedLogins++;
      // Cognito's wording, whichever of the two was wrong.
      return this.loginPage(res, params, 'Incorrect username or password.');
    }
    const authTime = Math.floor(Date.now() / 1000);
    const session = opaque();
    this.sessions.set(session, authTime);
    res
      .writeHead(302, {
        location: this.issueCode(checked.ok, authTime),
        'set-cookie': `${SESSION_COOKIE}=${session}; Path=/; HttpOnly; SameSite=Lax`,
        'cache-control': 'no-store',
      })
      .end();
  }

  /** A single-use code for the authorization; returns the callback URL carrying it. */
  private issueCode(authorization: Authorization, authTime: number): string {
    const code = randomUUID();
    this.codes.set(code, { ...authorization, authTime, expiresAt: Date.now() + CODE_LIFETIME_MS, used: false });
    this.stats.codesIssued++;
    const target = new URL(authorization.redirectUri);
    target.searchParams.set('code', code);
    if (authorization.state !== null) target.searchParams.set('state', authorization.state);
    return target.toString();
  }

  private async tokenEndpoints(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> {
    const origin = req.headers.origin;
    const client = this.clients.get(this.clientId);
    const cors: Record<string, string> =
      origin && client?.origins.includes(origin)
        ? { 'access-control-allow-origin': origin, vary: 'Origin' }
        : { vary: 'Origin' };
    if (req.method === 'OPTIONS') {
      res
        .writeHead(204, {
          ...cors,
          'access-control-allow-methods': 'POST',
          'access-control-allow-headers': 'content-type, authorization',
          'access-control-max-age': '600',
        })
        .end();
      return;
    }
    const form = new URLSearchParams(await readBody(req));
    try {
      if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
        throw new OAuthError('invalid_request', 'content-type must be application/x-www-form-urlencoded');
      }
      if (form.get('client_id') !== this.clientId || !client) {
        throw new OAuthError('invalid_client', `unknown client_id ${form.get('client_id')}`, 401);
      }
      if (path === '/oauth2/revoke') {
        this.revoke(form);
        res.writeHead(200, { ...cors, 'cache-control': 'no-store' }).end();
        return;
      }
      const tokens = this.grant(form);
      res
        .writeHead(200, {
          ...cors,
          'content-type': 'application/json',
          'cache-control': 'no-store',
          pragma: 'no-cache',
        })
        .end(JSON.stringify(tokens));
    } catch (error) {
      const e = error instanceof OAuthError ? error : new OAuthError('invalid_request', (error as Error).message);
      this.stats.refusals.push(`POST ${path}: ${e.code} (${e.message})`);
      res
        .writeHead(e.status, { ...cors, 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(JSON.stringify({ error: e.code, error_description: e.message }));
    }
  }

  private grant(form: URLSearchParams): Record<string, string | number> {
    const grantType = form.get('grant_type');
    if (grantType === 'authorization_code') {
      const code = this.codes.get(form.get('code') ?? '');
      if (!code || code.used || code.expiresAt < Date.now()) {
        throw new OAuthError('invalid_grant', code?.used ? 'code already used' : 'unknown or expired code');
      }
      code.used = true;
      if (code.clientId !== form.get('client_id'))
        throw new OAuthError('invalid_grant', 'code issued to another client');
      if (code.redirectUri !== form.get('redirect_uri')) throw new OAuthError('invalid_grant', 'redirect_uri mismatch');
      const verifier = form.get('code_verifier') ?? '';
      if (!VERIFIER_PATTERN.test(verifier)) throw new OAuthError('invalid_grant', 'code_verifier missing or malformed');
      if (b64url(sha256(verifier)) !== code.codeChallenge) {
        throw new OAuthError('invalid_grant', 'code_verifier does not match the code_challenge (S256)');
      }
      this.stats.codeGrants++;
      const refreshToken = opaque();
      this.refreshTokens.set(refreshToken, {
        clientId: code.clientId,
        scope: code.scope,
        authTime: code.authTime,
        revoked: false,
      });
      return {
        ...this.tokens('authorization_code', code.scope, code.authTime, code.nonce),
        refresh_token: refreshToken,
      };
    }
    if (grantType === 'refresh_token') {
      const refresh = this.refreshTokens.get(form.get('refresh_token') ?? '');
      if (!refresh || refresh.revoked || refresh.clientId !== form.get('client_id')) {
        throw new OAuthError('invalid_grant', refresh?.revoked ? 'refresh token revoked' : 'unknown refresh token');
      }
      this.stats.refreshGrants++;
      // No new refresh token: Cognito does not rotate them unless rotation is turned on.
      return this.tokens('refresh_token', refresh.scope, refresh.authTime, null);
    }
    throw new OAuthError('unsupported_grant_type', `grant_type ${grantType} is not supported`);
  }

  private revoke(form: URLSearchParams): void {
    const refresh = this.refreshTokens.get(form.get('token') ?? '');
    if (!refresh) {
      // Cognito revokes refresh tokens only; RFC 7009: an unknown token is not an error.
      this.stats.refusals.push(`POST /oauth2/revoke: not a refresh token of this pool (ignored)`);
      return;
    }
    if (refresh.clientId !== form.get('client_id'))
      throw new OAuthError('unauthorized_client', 'token of another client');
    refresh.revoked = true;
    this.stats.revocations++;
  }

  private logout(req: http.IncomingMessage, res: http.ServerResponse, params: URLSearchParams): void {
    const client = this.clients.get(params.get('client_id') ?? '');
    const logoutUri = params.get('logout_uri') ?? '';
    if (!client) return this.refuse(res, 'GET /logout', 'Unknown client_id.');
    if (!client.logoutUrls.includes(logoutUri)) {
      return this.refuse(
        res,
        'GET /logout',
        `logout_uri ${JSON.stringify(logoutUri)} is not a registered sign-out URL.`,
      );
    }
    this.sessions.delete(cookie(req, SESSION_COOKIE) ?? '');
    this.stats.logouts++;
    res
      .writeHead(302, {
        location: logoutUri,
        'set-cookie': `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`,
        'cache-control': 'no-store',
      })
      .end();
  }

  private refuse(res: http.ServerResponse, route: string, message: string): void {
    this.stats.refusals.push(`${route}: ${message}`);
    res
      .writeHead(400, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'" })
      .end(`<!doctype html><title>Sign-in error</title><h1>Sign-in error</h1><p>${escapeHtml(message)}</p>`);
  }

  // --- tokens ------------------------------------------------------------------------------------

  private tokens(grant: Grant, scope: string, authTime: number, nonce: string | null) {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + this.tokenLifetimeSeconds;
    const originJti = randomUUID();
    const eventId = randomUUID();
    const accessToken = this.key.sign({
      sub: this.user.sub,
      iss: this.issuer,
      client_id: this.clientId,
      origin_jti: originJti,
      event_id: eventId,
      token_use: 'access',
      scope,
      auth_time: authTime,
      exp,
      iat: now,
      jti: randomUUID(),
      username: this.user.sub,
    });
    this.accessTokens.set(accessToken, grant);
    const idToken = this.key.sign({
      at_hash: b64url(sha256(accessToken).subarray(0, 16)),
      sub: this.user.sub,
      email_verified: true,
      iss: this.issuer,
      'cognito:username': this.user.sub,
      origin_jti: originJti,
      aud: this.clientId,
      event_id: eventId,
      token_use: 'id',
      auth_time: authTime,
      exp,
      iat: now,
      jti: randomUUID(),
      email: this.user.email,
      ...(nonce ? { nonce } : {}),
    });
    return {
      access_token: accessToken,
      id_token: idToken,
      token_type: 'Bearer',
      expires_in: this.tokenLifetimeSeconds,
    };
  }
}

/** All counts at 0; the JWKS fetches are counted by the issuer host. */
function newStats(issuerHost: IssuerHost): ProviderStats {
  return {
    loginPages: 0,
    failedLogins: 0,
    sessionSignIns: 0,
    codesIssued: 0,
    codeGrants: 0,
    refreshGrants: 0,
    revocations: 0,
    logouts: 0,
    get jwksRequests() {
      return issuerHost.jwksRequests;
    },
    refusals: [],
  };
}

async function readBody(req: http.IncomingMessage, limit = 64 * 1024): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new OAuthError('invalid_request', 'request body too large', 413);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function cookie(req: http.IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

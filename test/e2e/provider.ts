import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { IssuerHost, SigningKey } from '../smoke/issuer';
import { LoopbackServer } from '../smoke/loopback';
import {
  Authorization,
  b64url,
  checkAuthorization,
  Client,
  CODE_LIFETIME_MS,
  cookie,
  IssuedCode,
  OAuthError,
  opaque,
  readBody,
  RefreshGrant,
  SESSION_COOKIE,
  sha256,
  signTokens,
  TokenUser,
  VERIFIER_PATTERN,
} from './provider-oauth';
import { sendErrorPage, sendLoginPage } from './provider-pages';
import { newStats, ProviderStats } from './provider-stats';
import { emailKey, sendSignUpPage, signUpProblems } from './provider-signup';

export type { ProviderStats } from './provider-stats';

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
 *
 * The OAuth pieces (requests, errors, tokens) are in provider-oauth.ts, the pages in provider-pages.ts.
 */

export interface ProviderUser {
  readonly email: string;
  readonly password: string;
  /** The token's `sub` (Cognito: a UUID): the checkout service's customer id. */
  readonly sub: string;
  /** Given at sign-up. */
  readonly name?: string;
}

export interface ProviderOptions {
  readonly clientId: string;
  /** The pool's one user (the journey's), or several (`npm run local`'s test customers). */
  readonly user?: ProviderUser;
  readonly users?: readonly ProviderUser[];
  /** The note every page of the provider shows (what it is, and that it is not Cognito). */
  readonly label?: string;
  /** Lifetime of access and ID tokens, in seconds (Cognito: 5 min to 1 day, default 1 h). */
  readonly tokenLifetimeSeconds?: number;
  /** A sign-up form (`/signup`, linked from the login page), as a pool with self sign-up has. */
  readonly selfSignUp?: boolean;
}

/** How a token was obtained: at sign-in (code) or by renewal (refresh token). */
export type Grant = 'authorization_code' | 'refresh_token';

export class LocalManagedLogin {
  readonly clientId: string;
  /** The first user (the journey's only one). */
  readonly user: ProviderUser;
  private readonly accounts: ProviderUser[];
  readonly label: string;
  readonly selfSignUp: boolean;
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
  private readonly sessions = new Map<string, { authTime: number; user: ProviderUser }>();
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
    this.accounts = [...(options.user ? [options.user] : []), ...(options.users ?? [])];
    if (this.accounts.length === 0) throw new Error('LocalManagedLogin: no users');
    this.user = this.accounts[0];
    this.selfSignUp = options.selfSignUp ?? false;
    this.label = options.label ?? 'Local managed login for the end-to-end test (stands in for Cognito).';
    this.tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? 3600;
  }

  /** The pool's users: those it was given, then those who signed up. */
  get users(): readonly ProviderUser[] {
    return this.accounts;
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
      case 'GET /signup':
        if (!this.selfSignUp) break;
        return this.signUpPage(res, url.searchParams);
      case 'POST /signup':
        if (!this.selfSignUp) break;
        return this.signUp(res, new URLSearchParams(await readBody(req)));
      case 'POST /oauth2/token':
      case 'POST /oauth2/revoke':
      case 'OPTIONS /oauth2/token':
      case 'OPTIONS /oauth2/revoke':
        return this.tokenEndpoints(req, res, url.pathname);
      case 'GET /logout':
        return this.logout(req, res, url.searchParams);
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }

  private checkAuthorization(params: URLSearchParams) {
    return checkAuthorization(this.clients, params);
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
    const session = this.sessions.get(cookie(req, SESSION_COOKIE) ?? '');
    if (session !== undefined) {
      this.stats.sessionSignIns++;
      res.writeHead(302, { location: this.issueCode(checked.ok, session.authTime, session.user) }).end();
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
    const origins = [...new Set(this.clients.get(checked.ok.clientId)!.callbackUrls.map((u) => new URL(u).origin))];
    sendLoginPage(
      res,
      params,
      origins,
      error,
      this.label,
      this.selfSignUp ? `/signup?${params.toString()}` : undefined,
    );
  }

  private signUpPage(res: http.ServerResponse, params: URLSearchParams, errors?: string[], form?: URLSearchParams) {
    const checked = this.checkAuthorization(params);
    if (!('ok' in checked)) {
      return this.refuse(res, 'GET /signup', 'page' in checked ? checked.page : 'invalid authorization request');
    }
    const origins = [...new Set(this.clients.get(checked.ok.clientId)!.callbackUrls.map((u) => new URL(u).origin))];
    sendSignUpPage(res, params, origins, {
      label: this.label,
      errors,
      email: form?.get('email') ?? '',
      name: form?.get('name') ?? '',
    });
  }

  /** A new customer (their own `sub`), signed in at once: the local sign-in sends no verification e-mail. */
  private signUp(res: http.ServerResponse, form: URLSearchParams): void {
    const fields = ['email', 'name', 'password', 'confirmPassword'];
    const params = new URLSearchParams([...form].filter(([name]) => !fields.includes(name)));
    const checked = this.checkAuthorization(params);
    if (!('ok' in checked)) {
      return this.refuse(res, 'POST /signup', 'page' in checked ? checked.page : 'invalid authorization request');
    }
    const entered = {
      email: form.get('email') ?? '',
      name: form.get('name') ?? '',
      password: form.get('password') ?? '',
      confirmPassword: form.get('confirmPassword') ?? '',
    };
    const problems = signUpProblems(entered, (key) => this.accounts.some((u) => emailKey(u.email) === key));
    if (problems.length > 0) {
      this.stats.failedSignUps++;
      return this.signUpPage(res, params, problems, form);
    }
    const user: ProviderUser = {
      email: entered.email.trim(),
      name: entered.name.trim(),
      password: entered.password,
      sub: randomUUID(),
    };
    this.accounts.push(user);
    this.stats.signUps++;
    this.startSession(res, checked.ok, user);
  }

  private login(res: http.ServerResponse, form: URLSearchParams): void {
    const email = form.get('email') ?? '';
    const password = form.get('password') ?? '';
    const params = new URLSearchParams([...form].filter(([name]) => name !== 'email' && name !== 'password'));
    const checked = this.checkAuthorization(params);
    if (!('ok' in checked)) {
      return this.refuse(res, 'POST /login', 'page' in checked ? checked.page : 'invalid authorization request');
    }
    const user = this.accounts.find((u) => emailKey(u.email) === emailKey(email.trim()));
    if (!user || password !== user.password) {
      this.stats.failedLogins++;
      // Cognito's wording, whichever of the two was wrong.
      return this.loginPage(res, params, 'Incorrect username or password.');
    }
    this.startSession(res, checked.ok, user);
  }

  /** A managed-login session for the user, and the redirect back to the client with a code. */
  private startSession(res: http.ServerResponse, authorization: Authorization, user: ProviderUser): void {
    const authTime = Math.floor(Date.now() / 1000);
    const session = opaque();
    this.sessions.set(session, { authTime, user });
    res
      .writeHead(302, {
        location: this.issueCode(authorization, authTime, user),
        'set-cookie': `${SESSION_COOKIE}=${session}; Path=/; HttpOnly; SameSite=Lax`,
        'cache-control': 'no-store',
      })
      .end();
  }

  /** A single-use code for the authorization; returns the callback URL carrying it. */
  private issueCode(authorization: Authorization, authTime: number, user: ProviderUser): string {
    const code = randomUUID();
    this.codes.set(code, { ...authorization, authTime, user, expiresAt: Date.now() + CODE_LIFETIME_MS, used: false });
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
        user: code.user,
        revoked: false,
      });
      return {
        ...this.tokens('authorization_code', code.user, code.scope, code.authTime, code.nonce),
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
      return this.tokens('refresh_token', refresh.user, refresh.scope, refresh.authTime, null);
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
    sendErrorPage(res, message, this.label);
  }

  // --- tokens ------------------------------------------------------------------------------------

  private tokens(grant: Grant, user: TokenUser, scope: string, authTime: number, nonce: string | null) {
    const tokens = signTokens(this.key, {
      issuer: this.issuer,
      clientId: this.clientId,
      user,
      lifetimeSeconds: this.tokenLifetimeSeconds,
      scope,
      authTime,
      nonce,
    });
    this.accessTokens.set(tokens.access_token, grant);
    return tokens;
  }
}

/**
 * The OAuth 2.0 and OpenID Connect pieces of the local managed login (provider.ts): authorization
 * requests (PKCE S256 required), authorization codes, refresh grants, errors, and the Cognito-shaped
 * RS256 tokens. Stateless: the provider keeps the codes, grants and sessions.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { SigningKey } from '../smoke/issuer';

export interface Authorization {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly state: string | null;
  readonly scope: string;
  readonly codeChallenge: string;
  readonly nonce: string | null;
}

export interface IssuedCode extends Authorization {
  readonly authTime: number;
  /** Who signed in. */
  readonly user: TokenUser;
  readonly expiresAt: number;
  used: boolean;
}

export interface RefreshGrant {
  readonly clientId: string;
  readonly scope: string;
  readonly authTime: number;
  readonly user: TokenUser;
  revoked: boolean;
}

export interface Client {
  readonly callbackUrls: readonly string[];
  readonly logoutUrls: readonly string[];
  readonly origins: readonly string[];
}

/** What the tokens are for: the pool's issuer, the app client, the user, and the grant's scope and sign-in. */
/** The claims of a signed-in user that go into the tokens. */
export interface TokenUser {
  readonly sub: string;
  readonly email: string;
}

export interface TokenRequest {
  readonly issuer: string;
  readonly clientId: string;
  readonly user: TokenUser;
  readonly lifetimeSeconds: number;
  readonly scope: string;
  readonly authTime: number;
  readonly nonce: string | null;
}

export const CODE_LIFETIME_MS = 5 * 60_000;
export const SESSION_COOKIE = 'e2e-managed-login';
/** RFC 7636: 43 to 128 characters from the unreserved set. */
export const VERIFIER_PATTERN = /^[A-Za-z0-9._~-]{43,128}$/;
const CHALLENGE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');
export const sha256 = (text: string) => createHash('sha256').update(text).digest();
export const opaque = () => randomBytes(32).toString('base64url');

/** An OAuth error answer: its `error` code, description and HTTP status. */
export class OAuthError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/**
 * Checks an authorization request. Errors that make the redirect URI untrustworthy (unknown
 * client, unregistered redirect_uri) are shown on the provider's own page, never redirected;
 * the others go back to the client as `error` parameters, as OAuth 2.0 requires.
 */
export function checkAuthorization(
  clients: ReadonlyMap<string, Client>,
  params: URLSearchParams,
): { ok: Authorization } | { page: string } | { redirect: string } {
  const clientId = params.get('client_id') ?? '';
  const redirectUri = params.get('redirect_uri') ?? '';
  const client = clients.get(clientId);
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

/** The access and ID tokens of a grant, shaped like Cognito's (see provider.ts). */
export function signTokens(key: SigningKey, t: TokenRequest) {
  const now = Math.floor(Date.now() / 1000);
  const exp = now + t.lifetimeSeconds;
  const originJti = randomUUID();
  const eventId = randomUUID();
  const accessToken = key.sign({
    sub: t.user.sub,
    iss: t.issuer,
    client_id: t.clientId,
    origin_jti: originJti,
    event_id: eventId,
    token_use: 'access',
    scope: t.scope,
    auth_time: t.authTime,
    exp,
    iat: now,
    jti: randomUUID(),
    username: t.user.sub,
  });
  const idToken = key.sign({
    at_hash: b64url(sha256(accessToken).subarray(0, 16)),
    sub: t.user.sub,
    email_verified: true,
    iss: t.issuer,
    'cognito:username': t.user.sub,
    origin_jti: originJti,
    aud: t.clientId,
    event_id: eventId,
    token_use: 'id',
    auth_time: t.authTime,
    exp,
    iat: now,
    jti: randomUUID(),
    email: t.user.email,
    ...(t.nonce ? { nonce: t.nonce } : {}),
  });
  return {
    access_token: accessToken,
    id_token: idToken,
    token_type: 'Bearer',
    expires_in: t.lifetimeSeconds,
  };
}

export async function readBody(req: http.IncomingMessage, limit = 64 * 1024): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new OAuthError('invalid_request', 'request body too large', 413);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function cookie(req: http.IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

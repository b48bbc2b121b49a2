import { createSign, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type http from 'node:http';
import { LoopbackServer } from './loopback';

/*
 * Local token issuers, in place of Cognito: an RSA key whose public half the checkout service
 * fetches as a JWKS from `<issuer>/.well-known/jwks.json` (AUTH_ISSUER / AUTH_JWKS_URI) and whose
 * private half signs RS256 tokens shaped like Cognito's. The service verifies them exactly as it
 * verifies Cognito's: signature, issuer, client id, expiry, token use. Nothing is bypassed.
 *
 * - LocalIssuer: the smoke suite's, minting access tokens directly (`sub` = the customer);
 * - test/e2e/provider.ts: the browser journey's managed login, on the same key and issuer host.
 */

/** An RSA key pair: the public half as a JWKS document, the private half signing RS256 JWTs. */
export class SigningKey {
  /** `{ "keys": [ <the public key as a JWK, with kid, alg and use> ] }`, as served. */
  readonly jwks: string;
  private readonly privateKey: KeyObject;

  constructor(readonly kid: string) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = privateKey;
    this.jwks = JSON.stringify({
      keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }],
    });
  }

  /** A JWT with Cognito's header (kid, alg RS256). `key` signs with another key (a forged token). */
  sign(claims: Record<string, unknown>, key: KeyObject = this.privateKey): string {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const input = `${encode({ kid: this.kid, alg: 'RS256' })}.${encode(claims)}`;
    return `${input}.${createSign('RSA-SHA256').update(input).sign(key).toString('base64url')}`;
  }
}

/**
 * The issuer's host (Cognito: https://cognito-idp.<region>.amazonaws.com/<userPoolId>) on
 * 127.0.0.1 at a free port: the key's JWKS at `<issuer>/.well-known/jwks.json` (requests counted)
 * and any other JSON documents under `<issuer>/.well-known/`; 404 for everything else.
 */
export class IssuerHost {
  /** http://127.0.0.1:<port>/<poolId>; set by start(). */
  issuer = '';
  jwksRequests = 0;
  private readonly server = new LoopbackServer((req, res) => this.serve(req, res));

  constructor(
    readonly key: SigningKey,
    private readonly poolId: string,
    /** Other documents by name, e.g. `openid-configuration`. */
    private readonly documents: Record<string, () => unknown> = {},
  ) {}

  get jwksUri(): string {
    return `${this.issuer}/.well-known/jwks.json`;
  }

  async start(): Promise<this> {
    this.issuer = `${await this.server.start()}/${this.poolId}`;
    return this;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  private serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = new URL(req.url ?? '/', this.issuer).pathname;
    const prefix = `${new URL(this.issuer).pathname}/.well-known/`;
    const name = req.method === 'GET' && path.startsWith(prefix) ? path.slice(prefix.length) : '';
    if (name === 'jwks.json') {
      this.jwksRequests++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(this.key.jwks);
    } else if (Object.hasOwn(this.documents, name)) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.documents[name]()));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  }
}

/**
 * The smoke run's issuer: access tokens minted the way Cognito mints them (`token_use` access,
 * `client_id`, `sub` = the customer), valid one hour.
 */
export class LocalIssuer extends IssuerHost {
  constructor(readonly clientId: string) {
    super(new SigningKey(`smoke-${Date.now().toString(36)}`), 'smoke-pool');
  }

  /** An access token for `sub` (valid one hour). `key` signs with another key (a forged token). */
  token(sub: string, key?: KeyObject): string {
    const now = Math.floor(Date.now() / 1000);
    return this.key.sign(
      {
        sub,
        client_id: this.clientId,
        token_use: 'access',
        scope: 'openid',
        iss: this.issuer,
        iat: now,
        exp: now + 3600,
      },
      key,
    );
  }

  /** A well-formed token with this issuer's claims and key id, signed by a key the JWKS does not hold. */
  forgedToken(sub: string): string {
    return this.token(sub, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
  }
}

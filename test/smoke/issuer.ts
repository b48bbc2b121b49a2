import { createSign, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local OIDC issuer for the smoke run: an RSA key pair whose public half is served as a JWKS on
 * 127.0.0.1 (a free port), and access tokens minted the way Cognito mints them (`token_use`
 * access, `client_id`, `sub` = the customer). The checkout service verifies them against this JWKS
 * exactly as it verifies Cognito's (AUTH_ISSUER / AUTH_JWKS_URI): signature, issuer, client id,
 * expiry, token use. Nothing is bypassed.
 */
export class LocalIssuer {
  readonly kid = `smoke-${Date.now().toString(36)}`;
  issuer = '';
  jwksUri = '';
  jwksRequests = 0;
  private readonly privateKey: KeyObject;
  private readonly jwks: string;
  private server?: http.Server;

  constructor(readonly clientId: string) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = privateKey;
    this.jwks = JSON.stringify({
      keys: [{ ...publicKey.export({ format: 'jwk' }), kid: this.kid, alg: 'RS256', use: 'sig' }],
    });
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      if (req.method === 'GET' && req.url === new URL(this.jwksUri).pathname) {
        this.jwksRequests++;
        res.writeHead(200, { 'content-type': 'application/json' }).end(this.jwks);
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', resolve);
    });
    const { port } = this.server.address() as AddressInfo;
    this.issuer = `http://127.0.0.1:${port}/smoke-pool`;
    this.jwksUri = `${this.issuer}/.well-known/jwks.json`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  /** An access token for `sub` (valid one hour). `key` signs with another key (a forged token). */
  token(sub: string, key: KeyObject = this.privateKey): string {
    const now = Math.floor(Date.now() / 1000);
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const input = `${encode({ alg: 'RS256', typ: 'JWT', kid: this.kid })}.${encode({
      sub,
      client_id: this.clientId,
      token_use: 'access',
      scope: 'openid',
      iss: this.issuer,
      iat: now,
      exp: now + 3600,
    })}`;
    return `${input}.${createSign('RSA-SHA256').update(input).sign(key).toString('base64url')}`;
  }

  /** A well-formed token with this issuer's claims and key id, signed by a key the JWKS does not hold. */
  forgedToken(sub: string): string {
    return this.token(sub, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
  }
}

import { createReadStream, statSync } from 'node:fs';
import http from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { createBrotliCompress, createGzip } from 'node:zlib';
import { IMAGE_CACHE_CONTROL } from '@securecart/contracts/catalog';
import csp from '@securecart/contracts/csp.json';
import { LoopbackServer } from '../smoke/loopback';

/**
 * What CloudFront does for the storefront (lib/constructs/frontend/storefront-site.ts), on
 * 127.0.0.1 over plain http:
 * - serves the build (the S3 origin) and `/config.json` (which the Frontend stack writes next to it);
 * - routes SPA paths to /index.html exactly as the viewer-request function does
 *   (spa-routing.ts: a last path segment without a dot is a route);
 * - forwards `/api/*` to the checkout service (API Gateway in the cloud), all viewer headers but
 *   Host (ALL_VIEWER_EXCEPT_HOST_HEADER), body and answer unchanged;
 * - `/images/*` with the year-long Cache-Control of its behaviour's response-headers policy;
 * - compresses text (Brotli, else gzip) for a viewer that accepts it, as CloudFront's behaviours do (`compress`);
 * - adds the response-headers policy to every answer, `/api/*` included, overriding the origin's:
 *   the CSP, X-Content-Type-Options, X-Frame-Options and Referrer-Policy. Not HSTS: this is
 *   http, where browsers ignore it anyway.
 *
 * The CSP is contracts/csp.json with one change: the Cognito managed-login source
 * `https://*.amazoncognito.com` (in connect-src and form-action) becomes the local provider's
 * origin. That wildcard cannot match an http://127.0.0.1:<port> origin, and it is the only host
 * that differs from production; every other directive is the deployed one, so an inline script,
 * a request to another host (the issuer's discovery document, say) or a form posting elsewhere is
 * refused here as it would be in production, and the journey fails on it.
 */

export const COGNITO_SOURCE = 'https://*.amazoncognito.com';

/** contracts/csp.json with the managed-login source replaced by `loginOrigin`. */
export function localContentSecurityPolicy(loginOrigin: string): string {
  const policy = csp.contentSecurityPolicy;
  const uses = policy.split(COGNITO_SOURCE).length - 1;
  if (uses === 0) {
    throw new Error(`contracts/csp.json no longer names ${COGNITO_SOURCE}: update test/e2e/storefront-server.ts`);
  }
  return policy.split(COGNITO_SOURCE).join(loginOrigin);
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.webmanifest': 'application/manifest+json',
};

/** What CloudFront compresses (its list includes these types). */
const COMPRESSIBLE = /^(text\/|application\/(json|manifest\+json)|image\/svg\+xml)/;

/** Hop-by-hop headers, which a proxy does not forward. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'host',
]);

export interface ProxiedRequest {
  readonly method: string;
  /** Path with ids replaced: `/api/orders/{id}`. */
  readonly route: string;
  readonly status: number;
  /** The bearer token sent, if any. */
  readonly token?: string;
}

export interface StorefrontServerOptions {
  /** The `vite build` output. */
  readonly root: string;
  /** The checkout service, e.g. http://127.0.0.1:1234 (the `/api/*` origin). */
  readonly apiOrigin: string;
  /** The Content-Security-Policy to send. */
  readonly contentSecurityPolicy: string;
}

export class StorefrontServer {
  /** http://127.0.0.1:<port>; set by start(). */
  origin = '';
  /** Every `/api/*` request forwarded, in order. */
  readonly proxied: ProxiedRequest[] = [];
  /** The body of /config.json; set before the browser comes. */
  runtimeConfig: Record<string, string> = {};
  private readonly server = new LoopbackServer((req, res) => {
    try {
      if ((req.url ?? '').startsWith('/api/')) this.forward(req, res);
      else this.serve(req, res);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500, { ...this.securityHeaders, 'content-type': 'text/plain' });
      res.end(`storefront server: ${(error as Error).message}`);
    }
  });
  private readonly securityHeaders: Record<string, string>;

  constructor(private readonly options: StorefrontServerOptions) {
    this.securityHeaders = {
      'content-security-policy': options.contentSecurityPolicy,
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'strict-origin-when-cross-origin',
    };
  }

  async start(): Promise<this> {
    this.origin = await this.server.start();
    return this;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  /** The default behaviour: the S3 origin behind the SPA-routing function. */
  private serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...this.securityHeaders, allow: 'GET, HEAD' }).end();
      return;
    }
    let path = decodeURIComponent(new URL(req.url ?? '/', this.origin).pathname);
    const lastSegment = path.substring(path.lastIndexOf('/') + 1);
    if (!lastSegment.includes('.')) path = '/index.html';

    if (path === '/config.json') {
      const body = JSON.stringify(this.runtimeConfig);
      res
        .writeHead(200, { ...this.securityHeaders, 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    const file = normalize(join(this.options.root, path));
    const stat = file.startsWith(this.options.root + sep) ? statSync(file, { throwIfNoEntry: false }) : undefined;
    if (!stat?.isFile()) {
      // S3 behind origin access control answers 403 for a key that does not exist.
      res.writeHead(403, { ...this.securityHeaders, 'content-type': 'text/plain' }).end('AccessDenied');
      return;
    }
    const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
    // CloudFront's cache policy accepts Brotli and gzip (storefront-site.ts) and compresses with Brotli
    // when the viewer accepts both, as Chromium does.
    const accepted = String(req.headers['accept-encoding'] ?? '');
    const encoding = !COMPRESSIBLE.test(type)
      ? undefined
      : /\bbr\b/.test(accepted)
        ? 'br'
        : /\bgzip\b/.test(accepted)
          ? 'gzip'
          : undefined;
    res.writeHead(200, {
      ...this.securityHeaders,
      'content-type': type,
      ...(path.startsWith('/images/') ? { 'cache-control': IMAGE_CACHE_CONTROL } : {}),
      ...(encoding
        ? { 'content-encoding': encoding, vary: 'Accept-Encoding' }
        : { 'content-length': String(stat.size) }),
    });
    if (req.method === 'HEAD') res.end();
    else if (encoding)
      createReadStream(file)
        .pipe(encoding === 'br' ? createBrotliCompress() : createGzip())
        .pipe(res);
    else createReadStream(file).pipe(res);
  }

  /** The `/api/*` behaviour: to the checkout service, every viewer header but Host. */
  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(name)) headers[name] = value;
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const upstream = http.request(
      new URL(req.url!, this.options.apiOrigin),
      { method: req.method, headers },
      (answer) => {
        const out: http.OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(answer.headers)) if (!HOP_BY_HOP.has(name)) out[name] = value;
        res.writeHead(answer.statusCode ?? 502, { ...out, ...this.securityHeaders });
        answer.pipe(res);
        this.proxied.push({
          method: req.method ?? 'GET',
          route: routeOf(new URL(req.url!, this.origin).pathname),
          status: answer.statusCode ?? 502,
          ...(token ? { token } : {}),
        });
      },
    );
    upstream.on('error', (error) => {
      this.proxied.push({ method: req.method ?? 'GET', route: routeOf(req.url ?? ''), status: 502 });
      if (!res.headersSent) res.writeHead(502, { ...this.securityHeaders, 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `origin unreachable: ${error.message}` }));
    });
    req.pipe(upstream);
  }
}

/** `/api/orders/abc` → `/api/orders/{id}`, `/api/products/p-1` → `/api/products/{id}`. */
export function routeOf(path: string): string {
  return path.replace(/^(\/api\/(?:orders|products))\/[^/?]+/, '$1/{id}').replace(/\?.*$/, '');
}

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { IMAGE_CACHE_CONTROL } from '@securecart/contracts/catalog';
import csp from '@securecart/contracts/csp.json';
import { COGNITO_SOURCE, localContentSecurityPolicy, routeOf, StorefrontServer } from './storefront-server';

/* The browser journey's CloudFront stand-in, offline: routing, headers, /config.json and /api/*. */

let root: string;
let api: http.Server;
let apiSeen: { method?: string; url?: string; host?: string; authorization?: string; body: string }[];
let server: StorefrontServer;
const POLICY = localContentSecurityPolicy('http://127.0.0.1:9');

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'e2e-storefront-test-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>SPA</title>');
  writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
  mkdirSync(join(root, 'images', 'products'), { recursive: true });
  writeFileSync(join(root, 'images', 'products', 'mug.0123abcd.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  apiSeen = [];
  api = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      apiSeen.push({
        method: req.method,
        url: req.url,
        host: req.headers.host,
        authorization: req.headers.authorization,
        body,
      });
      res.writeHead(201, { 'content-type': 'application/json', 'x-frame-options': 'SAMEORIGIN' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  server = await new StorefrontServer({
    root,
    apiOrigin: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
    contentSecurityPolicy: POLICY,
  }).start();
  server.runtimeConfig = { authority: 'http://127.0.0.1:8/pool', clientId: 'c' };
});

afterAll(async () => {
  await server.stop();
  await new Promise((resolve) => api.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

test('the CSP is contracts/csp.json with only the managed-login source replaced', () => {
  expect(csp.contentSecurityPolicy).toContain(COGNITO_SOURCE);
  expect(POLICY).not.toContain('amazoncognito');
  expect(POLICY).toBe(csp.contentSecurityPolicy.split(COGNITO_SOURCE).join('http://127.0.0.1:9'));
  expect(POLICY).toMatch(/connect-src 'self' http:\/\/127\.0\.0\.1:9;/);
  expect(POLICY).toMatch(/form-action 'self' http:\/\/127\.0\.0\.1:9;/);
});

test('SPA paths get index.html, files are served as they are, the rest is 403; every answer has the headers', async () => {
  for (const path of ['/', '/orders/abc-123', '/auth/callback?code=x&state=y']) {
    const r = await fetch(`${server.origin}${path}`);
    expect([path, r.status, await r.text()]).toEqual([path, 200, '<!doctype html><title>SPA</title>']);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.headers.get('content-security-policy')).toBe(POLICY);
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    expect(r.headers.get('strict-transport-security')).toBeNull();
  }
  const js = await fetch(`${server.origin}/assets/app.js`);
  expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  expect((await fetch(`${server.origin}/assets/missing.js`)).status).toBe(403);
  expect((await fetch(`${server.origin}/%2e%2e/%2e%2e/etc/passwd.txt`)).status).toBe(403);
  expect((await fetch(`${server.origin}/`, { method: 'POST' })).status).toBe(405);
});

test('pictures are cached a year, and text is gzipped for a viewer that accepts it, as CloudFront does', async () => {
  const image = await new Promise<http.IncomingMessage>((resolve) =>
    http.get(`${server.origin}/images/products/mug.0123abcd.svg`, { headers: { 'accept-encoding': 'gzip' } }, resolve),
  );
  expect(image.headers['cache-control']).toBe(IMAGE_CACHE_CONTROL);
  expect(image.headers['content-type']).toBe('image/svg+xml');
  expect(image.headers['content-encoding']).toBe('gzip');
  const chunks: Buffer[] = [];
  for await (const chunk of image) chunks.push(chunk as Buffer);
  expect(gunzipSync(Buffer.concat(chunks)).toString()).toBe('<svg xmlns="http://www.w3.org/2000/svg"/>');
  const plain = await new Promise<http.IncomingMessage>((resolve) =>
    http.get(`${server.origin}/assets/app.js`, resolve),
  );
  plain.resume();
  expect(plain.headers['content-encoding']).toBeUndefined();
  expect(plain.headers['content-length']).toBe('14');
  expect(plain.headers['cache-control']).toBeUndefined();
});

test('/config.json is the runtime configuration, never cached', async () => {
  const r = await fetch(`${server.origin}/config.json`);
  expect(r.headers.get('cache-control')).toBe('no-store');
  expect(await r.json()).toEqual({ authority: 'http://127.0.0.1:8/pool', clientId: 'c' });
});

test('/api/* goes to the checkout service with every viewer header but Host; the answer gets the headers', async () => {
  const r = await fetch(`${server.origin}/api/orders?limit=2`, {
    method: 'POST',
    headers: { authorization: 'Bearer a.b.c', 'content-type': 'application/json' },
    body: '{"x":1}',
  });
  expect(r.status).toBe(201);
  expect(await r.json()).toEqual({ ok: true });
  expect(r.headers.get('x-frame-options')).toBe('DENY'); // the policy overrides the origin's
  expect(r.headers.get('content-security-policy')).toBe(POLICY);
  const seen = apiSeen.at(-1)!;
  expect(seen).toMatchObject({
    method: 'POST',
    url: '/api/orders?limit=2',
    authorization: 'Bearer a.b.c',
    body: '{"x":1}',
  });
  expect(seen.host).not.toBe(new URL(server.origin).host);
  expect(server.proxied.at(-1)).toEqual({ method: 'POST', route: '/api/orders', status: 201, token: 'a.b.c' });
});

test('routeOf names the route, not the id', () => {
  expect(routeOf('/api/orders/abc')).toBe('/api/orders/{id}');
  expect(routeOf('/api/products/p-1')).toBe('/api/products/{id}');
  expect(routeOf('/api/cart')).toBe('/api/cart');
});

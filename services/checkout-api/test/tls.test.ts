/**
 * TLS_SELF_SIGNED=true (the ALB's targets in prod, ADR 21): the service creates a key pair and a
 * self-signed certificate at start and answers over HTTPS only; without it, plain HTTP as before.
 */
import { X509Certificate } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { serviceEnv, startService, useService } from './helpers/harness';
import type { TestDatabase, TestIssuer, TestService } from './helpers/harness';

let database: TestDatabase;
let issuer: TestIssuer;
let service: TestService;

useService({ TLS_SELF_SIGNED: 'true' }, (started) => ({ database, issuer, service } = started));

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly peer?: X509Certificate;
  readonly protocol?: string | null;
}

/** GET over HTTPS, trusting only `ca` (the service's own certificate), verifying the name `servername`. */
function httpsGet(url: string, ca: string, servername = 'localhost'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, servername, agent: false }, (res) => {
      const socket = res.socket as TLSSocket;
      const raw = socket.getPeerX509Certificate();
      const protocol = socket.getProtocol();
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, peer: raw, protocol }));
    });
    req.on('error', reject);
  });
}

function httpGet(url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

describe('TLS_SELF_SIGNED=true', () => {
  test('answers the health routes over HTTPS with the certificate it generated', async () => {
    const { url, certificate } = service.handle;
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(certificate).toContain('-----BEGIN CERTIFICATE-----');
    for (const path of ['/api/health/live', '/api/health/ready']) {
      const answer = await httpsGet(`${url}${path}`, certificate!);
      expect({ path, status: answer.status }).toEqual({ path, status: 200 });
      expect(answer.peer?.raw.equals(new X509Certificate(certificate!).raw)).toBe(true);
      expect(['TLSv1.2', 'TLSv1.3']).toContain(answer.protocol);
    }
  });

  test('the certificate: self-signed, ECDSA P-256, server authentication, localhost and 127.0.0.1, valid now', () => {
    const cert = new X509Certificate(service.handle.certificate!);
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.publicKey.asymmetricKeyType).toBe('ec');
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(cert.ca).toBe(false);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(cert.subjectAltName).toContain('DNS:localhost');
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    const now = Date.now();
    expect(Date.parse(cert.validFrom)).toBeLessThanOrEqual(now);
    expect(Date.parse(cert.validTo)).toBeGreaterThan(now + 300 * 86_400_000);
  });

  test('a client that does not trust the certificate is refused, and so is plain HTTP', async () => {
    const { url } = service.handle;
    await expect(
      new Promise((resolve, reject) =>
        https.get(`${url}/api/health/live`, { agent: false }, resolve).on('error', reject),
      ),
    ).rejects.toThrow(/self[- ]signed/i);
    await expect(httpGet(`${url.replace('https:', 'http:')}/api/health/live`)).rejects.toThrow();
  });

  test('a second start creates another key pair', async () => {
    const other = await startService(database, issuer, { TLS_SELF_SIGNED: 'true' });
    try {
      expect(other.handle.certificate).toBeDefined();
      expect(other.handle.certificate).not.toEqual(service.handle.certificate);
      expect((await httpsGet(`${other.handle.url}/api/health/live`, other.handle.certificate!)).status).toBe(200);
    } finally {
      await other.close();
    }
  });
});

describe('without TLS_SELF_SIGNED (sandbox, local runs)', () => {
  test('serves plain HTTP and has no certificate', async () => {
    const plain = await startService(database, issuer, {});
    try {
      expect(plain.handle.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(plain.handle.certificate).toBeUndefined();
      const answer = await httpGet(`${plain.handle.url}/api/health/live`);
      expect(answer.status).toBe(200);
    } finally {
      await plain.close();
    }
  });

  test('rejects a TLS_SELF_SIGNED that is not a boolean', () => {
    const { loadConfig } = service.bundle;
    expect(() => loadConfig(serviceEnv(database, issuer, { TLS_SELF_SIGNED: 'maybe' }))).toThrow(/TLS_SELF_SIGNED/);
    expect(loadConfig(serviceEnv(database, issuer, { TLS_SELF_SIGNED: 'true' })).tlsSelfSigned).toBe(true);
    expect(loadConfig(serviceEnv(database, issuer)).tlsSelfSigned).toBe(false);
  });
});

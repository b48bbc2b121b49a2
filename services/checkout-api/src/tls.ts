/**
 * TLS between the internal ALB and the service (ADR 21). With TLS_SELF_SIGNED=true the service
 * creates, at every start, an ECDSA P-256 key pair and a self-signed certificate for it and serves
 * HTTPS only. The ALB encrypts to its targets but does not verify their certificates (it accepts
 * any, self-signed included), so no CA or certificate store is needed: the key never leaves the
 * process and is never written to disk (the root file system is read-only anyway).
 *
 * `@peculiar/x509` builds the certificate on Node's WebCrypto; it needs the `reflect-metadata`
 * polyfill (its dependency injection container), so both load only when TLS is on.
 */
import { hostname } from 'node:os';
import { webcrypto } from 'node:crypto';

export interface ServerCertificate {
  /** PEM, PKCS#8. */
  readonly key: string;
  /** PEM: the self-signed certificate (also its own trust anchor in tests). */
  readonly cert: string;
}

/** How long a generated certificate is valid: far longer than a task lives, so expiry never matters. */
const VALIDITY_DAYS = 397;
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

const pem = (label: string, der: ArrayBuffer) =>
  `-----BEGIN ${label}-----\n${Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '')}\n-----END ${label}-----\n`;

/**
 * A fresh key pair and a self-signed server certificate for `localhost`, 127.0.0.1, this host's
 * name and `extraNames`; a random serial number; serverAuth only.
 */
export async function selfSignedCertificate(extraNames: readonly string[] = []): Promise<ServerCertificate> {
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  const crypto = webcrypto;
  x509.cryptoProvider.set(crypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const keys = (await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const notBefore = new Date(Date.now() - 60_000); // tolerate a little clock skew
  const names = [...new Set(['localhost', hostname(), ...extraNames])];
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(crypto.getRandomValues(new Uint8Array(16)))
      .toString('hex')
      .replace(/^[89a-f]/, '1'),
    name: 'CN=checkout-api',
    notBefore,
    notAfter: new Date(notBefore.getTime() + VALIDITY_DAYS * 86_400_000),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...names.map((value) => ({ type: 'dns' as const, value })),
        { type: 'ip', value: '127.0.0.1' },
      ]),
    ],
  });
  const key = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { key: pem('PRIVATE KEY', key), cert: cert.toString('pem') };
}

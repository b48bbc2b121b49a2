import csp from '@securecart/contracts/csp.json';

/** The managed-login source in contracts/csp.json: any Cognito domain (local preview and builds). */
export const COGNITO_WILDCARD_SOURCE = 'https://*.amazoncognito.com';

/**
 * The Content-Security-Policy CloudFront sends: contracts/csp.json with the managed-login source
 * `https://*.amazoncognito.com` (connect-src, form-action) narrowed to this deployment's own
 * Cognito domain, `loginOrigin` (e.g. `https://<prefix>.auth.<region>.amazoncognito.com`, a token
 * at synth). With the wildcard, a script that slipped in could send tokens or post a form to any
 * user pool's domain, an attacker's included (ADR 22).
 */
export function deployedContentSecurityPolicy(loginOrigin: string): string {
  const parts = csp.contentSecurityPolicy.split(COGNITO_WILDCARD_SOURCE);
  if (parts.length < 2) {
    throw new Error(`contracts/csp.json no longer names ${COGNITO_WILDCARD_SOURCE}: update storefront-csp.ts`);
  }
  return parts.join(loginOrigin);
}

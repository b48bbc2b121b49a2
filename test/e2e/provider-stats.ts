/** The local managed login's counts (provider.ts), for the journey's and the tests' checks. */
import type { IssuerHost } from '../smoke/issuer';

/** What the provider has seen, for the journey's checks. */
export interface ProviderStats {
  loginPages: number;
  failedLogins: number;
  signUps: number;
  /** Sign-up forms refused (bad input or an e-mail already taken). */
  failedSignUps: number;
  /** Authorizations answered straight from the session cookie, without the form. */
  sessionSignIns: number;
  codesIssued: number;
  codeGrants: number;
  refreshGrants: number;
  revocations: number;
  logouts: number;
  /** Fetches of the JWKS (by the checkout service). */
  readonly jwksRequests: number;
  /** Every request refused, with why (protocol errors the client made). */
  readonly refusals: string[];
}

/** All counts at 0; the JWKS fetches are counted by the issuer host. */
export function newStats(issuerHost: IssuerHost): ProviderStats {
  return {
    loginPages: 0,
    failedLogins: 0,
    signUps: 0,
    failedSignUps: 0,
    sessionSignIns: 0,
    codesIssued: 0,
    codeGrants: 0,
    refreshGrants: 0,
    revocations: 0,
    logouts: 0,
    get jwksRequests() {
      return issuerHost.jwksRequests;
    },
    refusals: [],
  };
}

import { CheckFailure } from '../../../test/smoke/report';
import { httpRequest, joinUrl, short } from '../http';

/*
 * The storefront as CloudFront serves it: the page with its security headers, this deployment's
 * /config.json, and the SPA for any path the bucket does not hold.
 */

/** HSTS of at least a year (what the Frontend stack's response headers policy sets). */
const MIN_HSTS_SECONDS = 31_536_000;

/** GET / answers 200 with a Content-Security-Policy and Strict-Transport-Security; returns the page. */
export async function checkStorefrontPage(storefrontUrl: string): Promise<{ detail: string; page: string }> {
  const r = await httpRequest(storefrontUrl);
  const problems: string[] = [];
  if (r.status !== 200) problems.push(`GET ${storefrontUrl} → ${r.status} (expected 200)`);
  const csp = r.headers.get('content-security-policy');
  if (!csp) problems.push('no Content-Security-Policy header');
  else if (!/default-src/.test(csp)) problems.push(`Content-Security-Policy has no default-src: ${short(csp)}`);
  const hsts = r.headers.get('strict-transport-security');
  const maxAge = Number(/max-age=(\d+)/i.exec(hsts ?? '')?.[1] ?? NaN);
  if (!hsts) problems.push('no Strict-Transport-Security header');
  else if (!(maxAge >= MIN_HSTS_SECONDS)) problems.push(`Strict-Transport-Security max-age below a year: ${hsts}`);
  if (problems.length) throw new CheckFailure(problems.join('; '));
  return { detail: `200, CSP (${csp!.length} chars), HSTS ${hsts}`, page: r.text };
}

/** /config.json names this deployment's user pool (its issuer) and storefront client. */
export async function checkRuntimeConfig(
  storefrontUrl: string,
  expected: { userPoolId: string; clientId: string },
): Promise<string> {
  const url = joinUrl(storefrontUrl, '/config.json');
  const r = await httpRequest(url);
  if (r.status !== 200) throw new CheckFailure(`GET ${url} → ${r.status} (expected 200)`);
  const config = r.json as { authority?: unknown; clientId?: unknown } | undefined;
  if (typeof config !== 'object' || config === null) throw new CheckFailure(`${url} is not JSON: ${short(r.text)}`);
  const problems: string[] = [];
  const authority = String(config.authority ?? '');
  if (!authority.replace(/\/+$/, '').endsWith(`/${expected.userPoolId}`))
    problems.push(`authority ${authority || '(none)'} is not the issuer of user pool ${expected.userPoolId}`);
  if (config.clientId !== expected.clientId)
    problems.push(`clientId ${String(config.clientId)} is not the storefront client ${expected.clientId}`);
  if (problems.length) throw new CheckFailure(problems.join('; '));
  return `authority …/${expected.userPoolId}, clientId ${expected.clientId}`;
}

/** A path the bucket does not hold answers 200 with the SPA's page (the same document as /). */
export async function checkSpaFallback(storefrontUrl: string, page: string, unknownPath: string): Promise<string> {
  const url = joinUrl(storefrontUrl, unknownPath);
  const r = await httpRequest(url);
  if (r.status !== 200) throw new CheckFailure(`GET ${url} → ${r.status} (expected 200 with the SPA's index.html)`);
  const type = r.headers.get('content-type') ?? '';
  if (!type.includes('text/html'))
    throw new CheckFailure(`GET ${url} → content-type ${type || '(none)'}, expected text/html`);
  if (r.text !== page) throw new CheckFailure(`GET ${url} → 200 but not the storefront's page: ${short(r.text)}`);
  return `${unknownPath} → 200, the storefront's index.html`;
}

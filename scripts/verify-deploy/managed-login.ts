import { createHash, randomBytes } from 'node:crypto';
import { CheckFailure } from '../../test/smoke/report';
import { short } from './http';

/*
 * Signs a customer in as the storefront does: authorization code with PKCE through the user pool's
 * managed login, with the storefront's own app client, so the access token is the one API Gateway
 * and the service accept (scope `openid`, `client_id` = the storefront client). The storefront
 * client allows no password flow (lib/constructs/api/identity.ts), and a token from one
 * (AdminInitiateAuth, SRP) carries only `aws.cognito.signin.user.admin` and would be refused by
 * the authorizer's `openid` scope anyway; a separate client's token would be refused by the
 * service's `client_id` check. So the script fills in the login form over HTTP, as a browser would:
 * GET /oauth2/authorize → the login page → POST its form with the e-mail and password → the
 * redirect to the callback carries the code → POST /oauth2/token with the verifier.
 */

export interface SignInRequest {
  /** The managed-login domain, e.g. https://<prefix>.auth.<region>.amazoncognito.com. */
  readonly domain: string;
  readonly clientId: string;
  /** A callback URL registered on the client (the storefront's <origin>/auth/callback). */
  readonly redirectUri: string;
  readonly email: string;
  readonly password: string;
  readonly scope?: string;
}

export interface Tokens {
  readonly accessToken: string;
  readonly idToken?: string;
}

const b64url = (data: Buffer) => data.toString('base64url');

/** Cookies by name, from Set-Cookie headers (enough for one sign-in). */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  take(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  header(): Record<string, string> {
    const value = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return value ? { cookie: value } : {};
  }
}

const attribute = (tag: string, name: string) =>
  new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)')`, 'i')
    .exec(tag)
    ?.slice(2, 4)
    .find((v) => v !== undefined);
const unescapeHtml = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The page's POST form: its action and its fields (hidden ones with their values, the rest empty). */
export function parseLoginForm(html: string): { action: string; fields: Map<string, string> } | undefined {
  const forms = [...html.matchAll(/<form\b[^>]*>([\s\S]*?)<\/form>/gi)];
  for (const form of forms) {
    const open = /<form\b[^>]*>/i.exec(form[0])![0];
    if ((attribute(open, 'method') ?? 'get').toLowerCase() !== 'post') continue;
    const inputs = [...form[1].matchAll(/<input\b[^>]*>/gi)].map((m) => m[0]);
    if (!inputs.some((i) => (attribute(i, 'type') ?? '').toLowerCase() === 'password')) continue;
    const fields = new Map<string, string>();
    for (const input of inputs) {
      const name = attribute(input, 'name');
      if (name) fields.set(unescapeHtml(name), unescapeHtml(attribute(input, 'value') ?? ''));
    }
    return { action: unescapeHtml(attribute(open, 'action') ?? ''), fields };
  }
  return undefined;
}

async function send(url: string, jar: CookieJar, init: { method?: string; body?: URLSearchParams } = {}) {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      ...jar.header(),
      ...(init.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      accept: 'text/html,application/json',
    },
    body: init.body,
    redirect: 'manual',
    signal: AbortSignal.timeout(15_000),
  });
  jar.take(response.headers);
  return { response, text: await response.text() };
}

/** Signs in through managed login (authorization code + PKCE); throws a CheckFailure saying which step failed. */
export async function signInWithManagedLogin(req: SignInRequest): Promise<Tokens> {
  const jar = new CookieJar();
  const verifier = b64url(randomBytes(32));
  const state = b64url(randomBytes(16));
  const authorize = new URL('/oauth2/authorize', req.domain);
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id: req.clientId,
    redirect_uri: req.redirectUri,
    scope: req.scope ?? 'openid email',
    state,
    code_challenge: b64url(createHash('sha256').update(verifier).digest()),
    code_challenge_method: 'S256',
  }))
    authorize.searchParams.set(k, v);

  // Follow the authorize redirect(s) to the login page.
  let pageUrl = authorize.toString();
  let page = await send(pageUrl, jar);
  for (let hops = 0; page.response.status >= 300 && page.response.status < 400 && hops < 5; hops++) {
    const location = page.response.headers.get('location');
    if (!location) break;
    pageUrl = new URL(location, pageUrl).toString();
    if (pageUrl.startsWith(req.redirectUri))
      throw new CheckFailure(`GET /oauth2/authorize went straight back to the callback: ${short(pageUrl)}`);
    page = await send(pageUrl, jar);
  }
  if (page.response.status !== 200)
    throw new CheckFailure(`the managed login page answered ${page.response.status}: ${short(page.text)}`);
  const form = parseLoginForm(page.text);
  if (!form)
    throw new CheckFailure(
      `no password form on the managed login page ${new URL(pageUrl).pathname} (a page rendered by script needs a browser: docs/first-deploy.md, "Customer sign-in")`,
    );

  const body = new URLSearchParams();
  for (const [name, value] of form.fields) body.set(name, value);
  const userField = ['username', 'email'].find((n) => form.fields.has(n)) ?? 'username';
  body.set(userField, req.email);
  const passwordField = [...form.fields.keys()].find((n) => /password/i.test(n)) ?? 'password';
  body.set(passwordField, req.password);
  const csrf = jar.get('XSRF-TOKEN');
  if (csrf && !body.has('_csrf')) body.set('_csrf', csrf);
  const postUrl = new URL(form.action || pageUrl, pageUrl).toString();
  const posted = await send(postUrl, jar, { method: 'POST', body });
  const location = posted.response.headers.get('location');
  if (posted.response.status < 300 || posted.response.status >= 400 || !location)
    throw new CheckFailure(
      `the login form's POST answered ${posted.response.status}, not a redirect: ${short(posted.text)}`,
    );
  const callback = new URL(location, postUrl);
  if (!callback.toString().startsWith(req.redirectUri))
    throw new CheckFailure(`after the login form, a redirect to ${short(callback.toString())}, not the callback`);
  const code = callback.searchParams.get('code');
  if (!code) throw new CheckFailure(`the callback carries no code: ${short(callback.search)}`);
  if (callback.searchParams.get('state') !== state) throw new CheckFailure('the callback carries another state');

  const tokenResponse = await fetch(new URL('/oauth2/token', req.domain), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: req.clientId,
      code,
      redirect_uri: req.redirectUri,
      code_verifier: verifier,
    }),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await tokenResponse.text();
  let tokens: { access_token?: unknown; id_token?: unknown } = {};
  try {
    tokens = JSON.parse(text);
  } catch {
    /* reported below */
  }
  if (tokenResponse.status !== 200 || typeof tokens.access_token !== 'string')
    throw new CheckFailure(`POST /oauth2/token → ${tokenResponse.status}: ${short(text)}`);
  return {
    accessToken: tokens.access_token,
    idToken: typeof tokens.id_token === 'string' ? tokens.id_token : undefined,
  };
}

/**
 * Runtime configuration: the storefront fetches `/config.json` at start, so one build serves every
 * deployment (the Frontend stack writes the file next to the build). See web/README.md.
 */
// Every check here carries its own message, written for whoever deploys the site, rather than
// zod's English defaults (which the storefront now loads anyway, with the HTTP API contract).
import * as z from 'zod/mini';
import { formatIssues } from './contracts';

export const CONFIG_PATH = '/config.json';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** https, or plain http on a loopback host (local development and the end-to-end test). */
function isHttpsOrLoopback(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
  } catch {
    return false;
  }
}

const URL_MESSAGE = 'must be an absolute https:// URL (http:// only for localhost)';
const webUrl = z.string({ error: URL_MESSAGE }).check(z.refine(isHttpsOrLoopback, { error: URL_MESSAGE }));

const CLIENT_ID_MESSAGE = 'must be an app client id (letters, digits, "_" and "-")';
const SCOPE_MESSAGE = 'must be "openid" followed by other scopes, separated by spaces';

export const RuntimeConfigSchema = z.object(
  {
    /** The OpenID Connect issuer, e.g. https://cognito-idp.<region>.amazonaws.com/<userPoolId>. */
    authority: webUrl,
    /** The user pool's public app client (authorization code + PKCE, no secret). */
    clientId: z
      .string({ error: CLIENT_ID_MESSAGE })
      .check(z.regex(/^[A-Za-z0-9_-]{1,128}$/, { error: CLIENT_ID_MESSAGE })),
    /** Where the identity provider sends the browser back with the code. Default: <origin>/auth/callback. */
    redirectUri: z.optional(webUrl),
    /** Where the identity provider sends the browser after sign-out. Default: <origin>/signed-out. */
    logoutUri: z.optional(webUrl),
    /**
     * The user pool's managed login domain, e.g. https://<prefix>.auth.<region>.amazoncognito.com.
     * When set, the app uses its endpoints directly instead of reading the discovery document from
     * the authority: cognito-idp.<region>.amazonaws.com is then never contacted, so the CSP's
     * connect-src needs only *.amazoncognito.com.
     */
    cognitoDomain: z.optional(webUrl),
    /** OAuth scopes to ask for. Default: "openid email". */
    scope: z.optional(
      z.string({ error: SCOPE_MESSAGE }).check(z.regex(/^openid( [\w.:/-]+)*$/, { error: SCOPE_MESSAGE })),
    ),
  },
  { error: 'must be a JSON object' },
);

export interface RuntimeConfig {
  readonly authority: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly logoutUri: string;
  readonly scope: string;
  /** Origin of the managed login (no trailing slash), when configured. */
  readonly cognitoDomain?: string;
}

export type ConfigResult = { ok: true; config: RuntimeConfig } | { ok: false; problems: string[] };

const fail = (...problems: string[]): ConfigResult => ({ ok: false, problems });

/** Fetches and validates `/config.json`; never throws. */
export async function loadRuntimeConfig(fetchFn: typeof fetch, origin: string): Promise<ConfigResult> {
  let response: Response;
  try {
    response = await fetchFn(CONFIG_PATH, { cache: 'no-store', headers: { accept: 'application/json' } });
  } catch (error) {
    return fail(`${CONFIG_PATH} could not be loaded: ${error instanceof Error ? error.message : String(error)}.`);
  }
  if (!response.ok) {
    return fail(`${CONFIG_PATH} answered HTTP ${response.status}: it is missing from this deployment.`);
  }
  let body: unknown;
  try {
    body = JSON.parse(await response.text());
  } catch {
    const type = response.headers.get('content-type') ?? 'no content type';
    return fail(`${CONFIG_PATH} is not valid JSON (received ${type}).`);
  }
  const parsed = RuntimeConfigSchema.safeParse(body);
  if (!parsed.success) {
    return fail(...formatIssues(parsed.error.issues, '(file)'));
  }
  const config: RuntimeConfig = {
    authority: parsed.data.authority,
    clientId: parsed.data.clientId,
    redirectUri: parsed.data.redirectUri ?? `${origin}/auth/callback`,
    logoutUri: parsed.data.logoutUri ?? `${origin}/signed-out`,
    scope: parsed.data.scope ?? 'openid email',
    ...(parsed.data.cognitoDomain ? { cognitoDomain: new URL(parsed.data.cognitoDomain).origin } : {}),
  };
  if (parsed.data.cognitoDomain && new URL(parsed.data.cognitoDomain).pathname !== '/') {
    return fail('cognitoDomain: must be the domain only, e.g. https://<prefix>.auth.<region>.amazoncognito.com');
  }
  if (new URL(config.redirectUri).origin !== origin) {
    return fail(`redirectUri: must be on this site (${origin}), because the storefront completes the sign-in itself`);
  }
  return { ok: true, config };
}

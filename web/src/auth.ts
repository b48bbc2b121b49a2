/**
 * Sign-in through the identity provider's managed login (Cognito) with OpenID Connect
 * authorization code + PKCE, by oidc-client-ts. The storefront is a public client: no secret.
 * Tokens live in sessionStorage (the library's default) and are renewed with the refresh token,
 * never through a hidden iframe (the CSP forbids framing the identity provider).
 *
 * oidc-client-ts (16.5 KB gzip) is loaded only when it is needed: to sign in or out, to complete a
 * sign-in, or when this tab holds a session (its user in sessionStorage). A signed-out visit never
 * fetches it: asking "who is signed in?" with nothing stored answers null at once.
 */
import type { OidcMetadata, User, UserManager } from 'oidc-client-ts';
import type { RuntimeConfig } from './config';

export interface SessionUser {
  /** The token's subject: the customer id the API uses. */
  readonly subject: string;
  /** What the header shows: e-mail, name or user name. */
  readonly displayName: string;
}

/** What the app needs from a sign-in implementation (tests provide a fake). */
export interface AuthService {
  /** The signed-in customer, or null. Renews an expired session with the refresh token if it can. */
  getUser(): Promise<SessionUser | null>;
  /** A valid access token for the API, or null when signed out. */
  getAccessToken(): Promise<string | null>;
  /** Leaves for the identity provider's sign-in page; `returnTo` is the path to come back to. */
  signIn(returnTo: string): Promise<void>;
  /** Completes the sign-in on the redirect URI; returns the path to go to. */
  completeSignIn(): Promise<string>;
  /** Forgets the tokens and ends the identity provider's session. */
  signOut(): Promise<void>;
  /** Called when the customer signs in or out (also in another tab's renewal). */
  subscribe(listener: (user: SessionUser | null) => void): () => void;
}

/** Only a path on this site may be returned to (no open redirect through `state`). */
export function safeReturnPath(value: unknown): string {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') && !value.includes('\\')
    ? value
    : '/';
}

function toSessionUser(user: User): SessionUser {
  const profile = user.profile as Record<string, unknown>;
  const pick = (key: string) => (typeof profile[key] === 'string' && profile[key] ? (profile[key] as string) : '');
  return {
    subject: user.profile.sub,
    displayName: pick('email') || pick('name') || pick('cognito:username') || pick('preferred_username') || 'Account',
  };
}

/**
 * The endpoints of Cognito's managed login on its domain, so no discovery request goes to the
 * authority (cognito-idp.<region>.amazonaws.com, which a CSP host wildcard cannot express).
 * The issuer stays the authority: ID tokens are checked against it.
 */
export function cognitoMetadata(authority: string, domain: string): Partial<OidcMetadata> {
  return {
    issuer: authority,
    authorization_endpoint: `${domain}/oauth2/authorize`,
    token_endpoint: `${domain}/oauth2/token`,
    revocation_endpoint: `${domain}/oauth2/revoke`,
    userinfo_endpoint: `${domain}/oauth2/userInfo`,
    end_session_endpoint: `${domain}/logout`,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
  };
}

type Notify = (user: SessionUser | null) => void;

type OidcLibrary = Pick<typeof import('oidc-client-ts'), 'UserManager' | 'WebStorageStateStore'>;

/** Loads oidc-client-ts (its own chunk). */
const loadOidcLibrary = (): Promise<OidcLibrary> => import('oidc-client-ts');

/** Where oidc-client-ts keeps the signed-in user (WebStorageStateStore's prefix + UserManager's key). */
export const storedUserKey = (config: RuntimeConfig): string => `oidc.user:${config.authority}:${config.clientId}`;

/** True when this tab holds a session: only then is the sign-in library needed to answer who is signed in. */
function hasStoredSession(config: RuntimeConfig): boolean {
  try {
    return window.sessionStorage.getItem(storedUserKey(config)) !== null;
  } catch {
    return true; // storage unreadable: let the library decide
  }
}

/** The UserManager for `config`, loaded (with oidc-client-ts) on first use. */
async function createManager(config: RuntimeConfig, notify: Notify, load: () => Promise<OidcLibrary>) {
  const { UserManager, WebStorageStateStore } = await load();
  const um = new UserManager({
    authority: config.authority,
    client_id: config.clientId,
    redirect_uri: config.redirectUri,
    post_logout_redirect_uri: config.logoutUri,
    response_type: 'code',
    scope: config.scope,
    ...(config.cognitoDomain ? { metadata: cognitoMetadata(config.authority, config.cognitoDomain) } : {}),
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
    // Renew with the refresh token; an iframe renewal would need the provider framed.
    automaticSilentRenew: true,
    monitorSession: false,
    loadUserInfo: false,
    // Cognito revokes refresh tokens only.
    revokeTokenTypes: ['refresh_token'],
  });
  um.events.addUserLoaded((user) => notify(toSessionUser(user)));
  um.events.addUserUnloaded(() => notify(null));
  um.events.addSilentRenewError(() => {
    void um.removeUser();
  });
  return um;
}

/** The stored user, renewed with its refresh token when it has expired. */
async function currentUser(um: UserManager): Promise<User | null> {
  const user = await um.getUser();
  if (!user) return null;
  if (!user.expired) return user;
  if (user.refresh_token) {
    try {
      return await um.signinSilent();
    } catch {
      // fall through: the session is over
    }
  }
  await um.removeUser();
  return null;
}

/** Revokes the refresh token, forgets the user and leaves for the provider's logout. */
async function signOutOf(um: UserManager, config: RuntimeConfig): Promise<void> {
  const user = await um.getUser();
  if (user?.refresh_token) await um.revokeTokens(['refresh_token']).catch(() => undefined);
  const endSession = await um.metadataService.getEndSessionEndpoint().catch(() => undefined);
  await um.removeUser();
  if (!endSession) {
    window.location.assign(config.logoutUri);
    return;
  }
  // Cognito's /logout wants client_id and logout_uri; a standard OIDC provider reads
  // post_logout_redirect_uri (with client_id or id_token_hint). Both are sent.
  const url = new URL(endSession);
  url.searchParams.set('client_id', config.clientId);
  url.searchParams.set('logout_uri', config.logoutUri);
  url.searchParams.set('post_logout_redirect_uri', config.logoutUri);
  if (user?.id_token) url.searchParams.set('id_token_hint', user.id_token);
  window.location.assign(url.toString());
}

export function createOidcAuth(
  config: RuntimeConfig,
  { load = loadOidcLibrary }: { load?: () => Promise<OidcLibrary> } = {},
): AuthService {
  let manager: Promise<UserManager> | undefined;
  const listeners = new Set<Notify>();
  const notify: Notify = (user) => listeners.forEach((l) => l(user));
  const getManager = () => (manager ??= createManager(config, notify, load));
  /** Nothing stored and nothing loaded: signed out, without loading the library. */
  const signedOutForSure = () => !manager && !hasStoredSession(config);

  return {
    async getUser() {
      if (signedOutForSure()) return null;
      const user = await currentUser(await getManager());
      return user ? toSessionUser(user) : null;
    },
    async getAccessToken() {
      if (signedOutForSure()) return null;
      return (await currentUser(await getManager()))?.access_token ?? null;
    },
    async signIn(returnTo) {
      const um = await getManager();
      await um.signinRedirect({ state: { returnTo: safeReturnPath(returnTo) } });
    },
    async completeSignIn() {
      const um = await getManager();
      const user = await um.signinRedirectCallback();
      return safeReturnPath((user.state as { returnTo?: unknown } | undefined)?.returnTo);
    },
    async signOut() {
      await signOutOf(await getManager(), config);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

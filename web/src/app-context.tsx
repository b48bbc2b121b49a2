/** React contexts for the API client and the sign-in state. */
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import type { Api } from './api';
import type { AuthService, SessionUser } from './auth';

const ApiContext = createContext<Api | null>(null);

export function useApi(): Api {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside <CoreProviders>');
  return api;
}

export type AuthState =
  | { readonly status: 'loading' }
  | { readonly status: 'signedOut' }
  | { readonly status: 'signedIn'; readonly user: SessionUser };

export interface AuthContextValue {
  readonly state: AuthState;
  readonly service: AuthService;
  /** Why the last sign-in or sign-out could not start, in words. */
  readonly error: string | null;
  signIn(returnTo?: string): Promise<void>;
  signOut(): Promise<void>;
}

const AuthContext = createContext<AuthContextValue | null>(null);

export function useAuth(): AuthContextValue {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth outside <CoreProviders>');
  return auth;
}

const toState = (user: SessionUser | null): AuthState =>
  user ? { status: 'signedIn', user } : { status: 'signedOut' };

function AuthProvider({ service, children }: { service: AuthService; children: ReactNode }) {
  const [state, setState] = useState<AuthState>({ status: 'loading' });
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    const unsubscribe = service.subscribe((user) => live && setState(toState(user)));
    service.getUser().then(
      (user) => live && setState(toState(user)),
      () => live && setState({ status: 'signedOut' }),
    );
    return () => {
      live = false;
      unsubscribe();
    };
  }, [service]);

  const signIn = useCallback(
    async (returnTo?: string) => {
      setError(null);
      try {
        await service.signIn(returnTo ?? `${window.location.pathname}${window.location.search}`);
      } catch (e) {
        setError(`Sign-in is not available right now: ${e instanceof Error ? e.message : String(e)}`);
      }
    },
    [service],
  );

  const signOut = useCallback(async () => {
    setError(null);
    try {
      await service.signOut();
    } catch (e) {
      setError(`Sign-out did not complete: ${e instanceof Error ? e.message : String(e)}`);
    }
  }, [service]);

  const value = useMemo(() => ({ state, service, error, signIn, signOut }), [state, service, error, signIn, signOut]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function CoreProviders({ api, auth, children }: { api: Api; auth: AuthService; children: ReactNode }) {
  return (
    <ApiContext.Provider value={api}>
      <AuthProvider service={auth}>{children}</AuthProvider>
    </ApiContext.Provider>
  );
}

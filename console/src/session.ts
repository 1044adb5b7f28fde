import { InMemoryWebStorage, UserManager, WebStorageStateStore } from 'oidc-client-ts';

/**
 * Who is signed in. The token lives in this module's memory only: never in localStorage,
 * sessionStorage or a cookie, so closing the tab or signing out leaves nothing behind.
 */
export interface Session {
  readonly token: string;
  readonly via: 'oidc' | 'link';
}

type Listener = (session: Session | undefined) => void;

let current: Session | undefined;
const listeners = new Set<Listener>();

export function currentSession(): Session | undefined {
  return current;
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function setSession(session: Session | undefined): void {
  current = session;
  for (const listener of listeners) listener(session);
}

/** The OIDC settings the broker put in the page (CONSOLE_OIDC_ISSUER, CONSOLE_OIDC_CLIENT_ID). */
export function oidcSettings(): { issuer: string; clientId: string } | undefined {
  const issuer = document.querySelector<HTMLMetaElement>('meta[name="broker-oidc-issuer"]')?.content;
  const clientId = document.querySelector<HTMLMetaElement>('meta[name="broker-oidc-client-id"]')?.content;
  return issuer && clientId ? { issuer, clientId } : undefined;
}

const CALLBACK_PATH = '/console/callback';
let manager: UserManager | undefined;

function userManager(): UserManager | undefined {
  const settings = oidcSettings();
  if (!settings) return undefined;
  manager ??= new UserManager({
    authority: settings.issuer,
    client_id: settings.clientId,
    redirect_uri: `${window.location.origin}${CALLBACK_PATH}`,
    response_type: 'code',
    scope: 'openid',
    // Tokens in memory only. The PKCE verifier and state must survive the trip to the issuer,
    // so they wait in sessionStorage and are removed when the callback consumes them.
    userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
    stateStore: new WebStorageStateStore({ store: window.sessionStorage }),
    automaticSilentRenew: false,
    loadUserInfo: false,
  });
  return manager;
}

/**
 * Before the first render: takes a token from the fragment (`#token=<jwt>`, dropped from the
 * address bar at once, never sent to the server) or completes an OIDC sign-in.
 */
export async function startSession(): Promise<void> {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const token = fragment.get('token');
  if (token) {
    window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}`);
    setSession({ token, via: 'link' });
    return;
  }
  const oidc = userManager();
  if (oidc && window.location.pathname === CALLBACK_PATH) {
    const user = await oidc.signinRedirectCallback();
    // The broker accepts the access token when it is a JWT, otherwise the ID token.
    const bearer = user.access_token.split('.').length === 3 ? user.access_token : (user.id_token ?? '');
    const returnTo = typeof user.state === 'string' && user.state.startsWith('/console/') ? user.state : '/console/';
    window.history.replaceState(null, '', returnTo);
    setSession({ token: bearer, via: 'oidc' });
  }
}

export async function signInWithOidc(): Promise<void> {
  const oidc = userManager();
  if (!oidc) throw new Error('OIDC sign-in is not configured');
  await oidc.signinRedirect({ state: `${window.location.pathname}${window.location.search}` });
}

/** Forgets the token and anything the sign-in left in the browser's storage. */
export async function signOut(): Promise<void> {
  const oidc = userManager();
  if (oidc) {
    await oidc.removeUser();
    await oidc.clearStaleState();
  }
  for (const storage of [window.sessionStorage, window.localStorage]) {
    for (const key of Object.keys(storage)) if (key.startsWith('oidc.')) storage.removeItem(key);
  }
  setSession(undefined);
}

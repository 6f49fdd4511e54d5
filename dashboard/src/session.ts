// Sign-in. In development the gateway mints a short-lived read-only token at
// POST /dashboard/session; elsewhere that route does not exist and the page asks for a bearer
// token. A pasted token lives in this tab's sessionStorage only (never localStorage or
// cookies); on a 401, a refused WebSocket or the token's expiry the page signs in again.

const STORAGE_KEY = 'pulsehub.dashboard.token';
/** A development token is renewed this long before it expires. */
const RENEW_BEFORE_MS = 60_000;

export interface Session {
  /** The current token; waits while nobody is signed in. */
  token(): Promise<string>;
  /** The gateway refused `token` (401, expired): sign in again unless already replaced. */
  reject(token: string, reason: string): void;
  /** Called with every new token. */
  onToken(listener: (token: string) => void): void;
  signOut(): void;
}

export interface SignInForm {
  /** Shows the form (with a reason) and resolves with what the user pasted. */
  ask(reason: string): Promise<string>;
  hide(): void;
}

/** The token's `exp` in epoch milliseconds, when it has one that can be read. */
export function expiresAtMs(token: string): number | undefined {
  try {
    const payload = token.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1_000 : undefined;
  } catch {
    return undefined;
  }
}

/** A development token from the gateway, or undefined when the gateway offers none. */
async function devToken(): Promise<string | undefined> {
  const response = await fetch('/dashboard/session', { method: 'POST' });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`development sign-in failed: HTTP ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}

/** Whether the gateway offers development sign-in (it says so in the page it serves). */
const offersDevSignIn = (): boolean =>
  document.querySelector('meta[name="pulsehub-sign-in"]')?.getAttribute('content') ===
  'development';

export function createSession(form: SignInForm): Session {
  let current: string | undefined;
  let waiting: Array<(token: string) => void> = [];
  const listeners: Array<(token: string) => void> = [];
  let signingIn: Promise<void> | undefined;
  let expiryTimer: ReturnType<typeof setTimeout> | undefined;
  let devSignIn = offersDevSignIn();

  const use = (token: string) => {
    current = token;
    clearTimeout(expiryTimer);
    const exp = expiresAtMs(token);
    if (exp !== undefined) {
      // Development tokens are renewed ahead of time; a pasted one is asked for again.
      const delay = Math.max(0, exp - Date.now() - (devSignIn ? RENEW_BEFORE_MS : 0));
      expiryTimer = setTimeout(() => session.reject(token, 'the token expired'), delay);
    }
    for (const resolve of waiting) resolve(token);
    waiting = [];
    for (const listener of listeners) listener(token);
  };

  const signIn = (reason: string) => {
    signingIn ??= (async () => {
      current = undefined;
      if (devSignIn) {
        const token = await devToken().catch(() => undefined);
        if (token !== undefined) return use(token);
        devSignIn = false;
      }
      sessionStorage.removeItem(STORAGE_KEY);
      const token = (await form.ask(reason)).trim();
      sessionStorage.setItem(STORAGE_KEY, token);
      form.hide();
      use(token);
    })().finally(() => (signingIn = undefined));
    return signingIn;
  };

  const session: Session = {
    token() {
      if (current !== undefined) return Promise.resolve(current);
      return new Promise((resolve) => waiting.push(resolve));
    },
    reject(token, reason) {
      if (token !== current) return;
      void signIn(reason);
    },
    onToken: (listener) => void listeners.push(listener),
    signOut() {
      sessionStorage.removeItem(STORAGE_KEY);
      devSignIn = false;
      clearTimeout(expiryTimer);
      void signIn('signed out');
    },
  };

  const stored = sessionStorage.getItem(STORAGE_KEY);
  if (stored !== null && (expiresAtMs(stored) ?? Infinity) > Date.now()) {
    devSignIn = false;
    use(stored);
  } else void signIn('sign in to watch PulseHub');
  return session;
}

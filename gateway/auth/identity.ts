/** The scopes a PulseHub token can grant. */
export const SCOPES = [
  'profiles:read',
  'activities:read',
  'events:write',
  'profiles:delete',
  'config:read',
  'config:write',
  'system:read',
] as const;
export type Scope = (typeof SCOPES)[number];

/** Who is calling, as established by the gateway from a verified token. */
export interface Identity {
  /** The token's `sub`. */
  subject: string;
  scopes: ReadonlySet<string>;
  /** When the token expires (its `exp`), in Unix epoch milliseconds; absent: never. */
  expiresAtMs?: number;
}

/** Verifies a bearer token (HTTP `Authorization` or graphql-ws `connection_init`). */
export interface Authenticator {
  /**
   * Resolves the identity of a token; `undefined` token means anonymous. Rejects with an
   * AuthenticationError for a missing-but-required, expired, malformed or forged token, and
   * with a KeySourceUnavailableError when the keys to check it cannot be fetched.
   */
  authenticate(token: string | undefined): Promise<Identity | undefined>;
}

export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';
}

/** The verification keys (a JWKS endpoint) cannot be fetched: not the caller's fault. */
export class KeySourceUnavailableError extends Error {
  override readonly name = 'KeySourceUnavailableError';
}

/**
 * The token of an HTTP `Authorization` header: undefined when absent; an AuthenticationError
 * for another scheme (a Segment write key sent as Basic auth is not a user token).
 */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  if (match === null)
    throw new AuthenticationError(
      'the authorization header must be "Bearer <token>" (npm run token mints development tokens)',
    );
  return match[1];
}

/** Scopes of a token payload: OAuth 2 `scope` (space-separated) or `scp` (a list). */
export function scopesOf(payload: { scope?: unknown; scp?: unknown }): Set<string> {
  const scopes = new Set<string>();
  if (typeof payload.scope === 'string')
    for (const scope of payload.scope.split(' ')) if (scope !== '') scopes.add(scope);
  if (Array.isArray(payload.scp))
    for (const scope of payload.scp) if (typeof scope === 'string') scopes.add(scope);
  return scopes;
}

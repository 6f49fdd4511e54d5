/** The scopes a PulseHub token can grant. */
export const SCOPES = [
  'profiles:read',
  'activities:read',
  'events:write',
  'profiles:delete',
  'config:read',
  'config:write',
] as const;
export type Scope = (typeof SCOPES)[number];

/** Who is calling, as established by the gateway from a verified token. */
export interface Identity {
  /** The token's `sub`. */
  subject: string;
  scopes: ReadonlySet<string>;
}

/** Verifies a bearer token (HTTP `Authorization` or graphql-ws `connection_init`). */
export interface Authenticator {
  /**
   * Resolves the identity of a token; `undefined` token means anonymous. Rejects with an
   * AuthenticationError for a missing-but-required, expired, malformed or forged token.
   */
  authenticate(token: string | undefined): Promise<Identity | undefined>;
}

export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';
}

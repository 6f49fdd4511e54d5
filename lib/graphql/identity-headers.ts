/**
 * Headers the gateway adds to every subgraph request (and to every subscribe's
 * `extensions.headers` on its graphql-ws connections): the caller's identity, and a signature
 * over them and the request with the shared gateway secret (gateway-signature.ts), so a
 * subgraph can refuse calls that went around the gateway or repeat one of its requests.
 */
export const IDENTITY_HEADERS = {
  subject: 'x-pulsehub-subject',
  scopes: 'x-pulsehub-scopes',
  signature: 'x-pulsehub-gateway-signature',
} as const;

/** The caller of a subgraph request as the gateway authenticated it (anonymous: undefined). */
export interface Caller {
  /** The token's `sub`. */
  subject: string;
  scopes: ReadonlySet<string>;
}

/** The identity headers for a caller; an anonymous caller has an empty subject and scopes. */
export function identityHeaders(caller: Caller | undefined): Record<string, string> {
  return {
    [IDENTITY_HEADERS.subject]: caller?.subject ?? '',
    [IDENTITY_HEADERS.scopes]: caller === undefined ? '' : [...caller.scopes].sort().join(' '),
  };
}

/** The caller named by verified identity headers. */
export function callerFromHeaders(subject: string, scopes: string): Caller | undefined {
  if (subject === '') return undefined;
  return { subject, scopes: new Set(scopes.split(' ').filter((scope) => scope !== '')) };
}

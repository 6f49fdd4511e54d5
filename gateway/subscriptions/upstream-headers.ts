import { signGatewayConnection } from '../../lib/graphql/admit-gateway-request.ts';
import { IDENTITY_HEADERS } from '../../lib/graphql/identity-headers.ts';
import type { Identity } from '../auth/identity.ts';

/**
 * The headers the gateway sends a subgraph on behalf of a caller. Called with `undefined` for
 * the gateway's own graphql-ws connection, at every (re)connection, so a time-limited,
 * single-use signature there is always a new one: the subgraph admits the connection as the gateway's and then
 * trusts the caller headers of each subscription on it (graphql-ws `extensions.headers`).
 */
export type UpstreamHeaders = (identity: Identity | undefined) => Record<string, string>;

export const identityUpstreamHeaders: UpstreamHeaders = (identity) =>
  identity === undefined
    ? {}
    : {
        [IDENTITY_HEADERS.subject]: identity.subject,
        [IDENTITY_HEADERS.scopes]: [...identity.scopes].sort().join(' '),
      };

/**
 * Subscriptions share upstream work only between callers with the same authorization
 * context: the same subject and scopes (what the subgraphs are told about the caller).
 */
export function authorizationKey(identity: Identity | undefined): string {
  return identity === undefined
    ? ''
    : JSON.stringify([identity.subject, [...identity.scopes].sort()]);
}

/**
 * The production headers: the gateway's own connection is signed with the secret shared with
 * the subgraphs; each subscription on it names its caller.
 */
export function signedUpstreamHeaders(secret: string): UpstreamHeaders {
  return (identity) =>
    identity === undefined ? signGatewayConnection(secret) : identityUpstreamHeaders(identity);
}

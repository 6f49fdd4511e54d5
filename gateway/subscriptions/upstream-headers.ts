import {
  signGatewayConnection,
  signGatewaySubscribe,
  type SubscribeOperation,
} from '../../lib/graphql/admit-gateway-request.ts';
import { IDENTITY_HEADERS } from '../../lib/graphql/identity-headers.ts';
import type { Identity } from '../auth/identity.ts';

/**
 * The headers the gateway sends a subgraph on behalf of a caller (its identity headers; HTTP
 * entity fetches are signed per request by the data source), plus the two signatures of its
 * graphql-ws connections. Both are made at the moment of sending, never stored: `connection`
 * at every (re)connect, `subscribe` at every send of a subscribe, so the time-limited,
 * single-use signatures a subgraph admits are new each time, reconnects included.
 */
export interface UpstreamHeaders {
  (identity: Identity | undefined): Record<string, string>;
  /** `connection_init` `headers` of the gateway's own connection to a subgraph. */
  connection(): Record<string, string>;
  /** `extensions.headers` of one subscribe: the caller's identity headers, signed with it. */
  subscribe(
    operation: SubscribeOperation,
    identity: Record<string, string>,
  ): Record<string, string>;
}

const identityHeadersOf = (identity: Identity | undefined): Record<string, string> =>
  identity === undefined
    ? {}
    : {
        [IDENTITY_HEADERS.subject]: identity.subject,
        [IDENTITY_HEADERS.scopes]: [...identity.scopes].sort().join(' '),
      };

/** Identity headers only, unsigned: for unit tests of the hub, which talk to no subgraph. */
export const identityUpstreamHeaders: UpstreamHeaders = Object.assign(identityHeadersOf, {
  connection: () => ({}),
  subscribe: (_operation: SubscribeOperation, identity: Record<string, string>) => identity,
});

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
 * The production headers: the gateway's own connection and each subscribe on it are signed
 * with the secret shared with the subgraphs.
 */
export function signedUpstreamHeaders(secret: string): UpstreamHeaders {
  return Object.assign((identity: Identity | undefined) => identityHeadersOf(identity), {
    connection: () => signGatewayConnection(secret),
    subscribe: (operation: SubscribeOperation, identity: Record<string, string>) =>
      signGatewaySubscribe(secret, operation, identity),
  });
}

import type { Identity } from './auth/identity.ts';

/** Per-request context of the gateway's GraphQL execution. */
export interface GatewayContext {
  /** The authenticated caller; undefined for an anonymous request. */
  identity: Identity | undefined;
}

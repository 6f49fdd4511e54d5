import { CloseCode } from 'graphql-ws';

/**
 * Every WebSocket close code the gateway's graphql-ws endpoint uses. The protocol's own
 * (graphql-ws `CloseCode`) keep their meaning; PulseHub adds the ones for its limits.
 *
 * Not a close code: an upgrade over a per-client-address limit
 * (`subscriptions.maxConnectionsPerAddress`, `connectionsPerAddressPerSecond` /
 * `connectionBurstPerAddress`) is refused before the WebSocket handshake with HTTP 429 and
 * `Retry-After`, which clients see as a failed connection (1006) and retry.
 */
export const SubscriptionCloseCode = {
  /** Normal closure by the client. */
  Normal: 1000,
  /** The gateway is shutting down; reconnect to another instance. */
  GoingAway: 1001,
  /** A client message larger than `subscriptions.maxMessageBytes`. */
  MessageTooBig: 1009,
  /** The gateway holds `subscriptions.maxConnections` connections, or cannot check tokens now; retry later. */
  TryAgainLater: 1013,
  /** Malformed protocol message (not JSON, unknown type, missing id or payload). */
  BadRequest: CloseCode.BadRequest, // 4400
  /**
   * The `connection_init` token is missing while `subscriptions.requireToken` is on, or
   * expired, malformed or forged; or a subscribe before `connection_ack`. graphql-ws clients
   * treat it as fatal and do not reconnect.
   */
  Unauthorized: CloseCode.Unauthorized, // 4401
  /** The connection was refused after authentication. */
  Forbidden: CloseCode.Forbidden, // 4403
  /** The client did not offer the `graphql-transport-ws` subprotocol. */
  SubprotocolNotAcceptable: CloseCode.SubprotocolNotAcceptable, // 4406
  /** No `connection_init` within `subscriptions.connectionInitTimeoutMs`. */
  ConnectionInitialisationTimeout: CloseCode.ConnectionInitialisationTimeout, // 4408
  /** A subscribe reused the id of a subscription still running on the connection. */
  SubscriberAlreadyExists: CloseCode.SubscriberAlreadyExists, // 4409
  /** A second `connection_init` on one connection. */
  TooManyInitialisationRequests: CloseCode.TooManyInitialisationRequests, // 4429
  /**
   * The client reads too slowly: more than `subscriptions.maxBufferedBytes` wait in its send
   * buffer. The connection is closed; the client reconnects and resubscribes, and a
   * `profileUpdated` subscription starts again from the profile's current state.
   */
  SlowConsumer: 4008,
  /**
   * The connection's token reached its `exp`: the gateway closes the connection then, ending
   * its subscriptions. graphql-ws clients reconnect on it (it is not one of their fatal codes,
   * unlike 4401), so a client whose `connectionParams` is a function sends a fresh token and
   * resubscribes; one that resends the expired token
   * gets 4401 (once past `auth.clockToleranceSeconds`) and stops.
   */
  TokenExpired: 4419,
  /** An unexpected failure in the gateway. */
  InternalServerError: CloseCode.InternalServerError, // 4500
} as const;

/** WebSocket close reasons are limited to 123 bytes. */
export function closeReason(reason: string): string {
  return Buffer.byteLength(reason) <= 123 ? reason : `${reason.slice(0, 119)}...`;
}

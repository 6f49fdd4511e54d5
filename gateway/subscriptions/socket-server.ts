import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import {
  makeServer,
  MessageType,
  stringifyMessage,
  type Context,
  type SubscribePayload,
} from 'graphql-ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { refuseUpgrade } from '../../lib/http/upgrade-refusal.ts';
import type { Logger } from '../../lib/logger.ts';
import { createPushIterator } from '../../lib/push-iterator.ts';
import { ErrorCode } from '../../schema/errors.ts';
import { AuthenticationError, type Authenticator, type Identity } from '../auth/identity.ts';
import { createAddressLimiter } from './address-limiter.ts';
import { createClientAddressResolver } from './client-address.ts';
import { closeReason, SubscriptionCloseCode } from './close-codes.ts';
import { scheduleExpiry } from './expiry-timer.ts';
import type { HubRequest, SubscriptionHub } from './hub.ts';
import type { SubscriptionMetrics } from './metrics.ts';
import type { SubscriptionPreparer } from './operation.ts';
import type { SubscriptionPlanner } from './planner.ts';
import type { SubscriptionLimits } from './settings.ts';

interface Extra {
  socket: WebSocket;
  request: http.IncomingMessage;
  identity?: Identity | undefined;
  /** Cancels the close at the token's expiry; set when a token with an `exp` is accepted. */
  cancelExpiry?: () => void;
}

interface Prepared {
  request: HubRequest;
  context: Context<Record<string, unknown>, Extra>;
  id: string;
}

export interface SocketServerOptions {
  planner: SubscriptionPlanner;
  /** Checks and plans a subscribe message (./operation.ts), with the HTTP side's admission. */
  prepare: SubscriptionPreparer;
  hub: SubscriptionHub;
  authenticator: Authenticator;
  metrics: SubscriptionMetrics;
  limits: SubscriptionLimits;
  /**
   * The limits in force, read on every upgrade for the per-address limits and trusted proxies
   * (LIVE_SUBSCRIPTION_SETTINGS), so a config change applies to the next connection. Default:
   * `limits`, fixed.
   */
  liveLimits?: () => SubscriptionLimits;
  logger: Logger;
}

/** The bearer token of a connection: `connection_init` payload first, then the upgrade request. */
export function tokenOf(
  params: Readonly<Record<string, unknown>> | undefined,
  request: http.IncomingMessage,
): string | undefined {
  const headers = params?.['headers'];
  const candidates = [
    params?.['authorization'],
    params?.['Authorization'],
    params?.['token'],
    typeof headers === 'object' && headers !== null
      ? (headers as Record<string, unknown>)['authorization']
      : undefined,
    request.headers.authorization,
  ];
  const found = candidates.find((value): value is string => typeof value === 'string');
  if (found === undefined) return undefined;
  return found.replace(/^Bearer\s+/i, '');
}

/**
 * The gateway's graphql-ws endpoint: graphql-ws's protocol core (`makeServer`: handshake,
 * ids, ping/pong and its close codes) over `ws` sockets, with PulseHub's authentication,
 * limits and a fan-out that writes each event's pre-serialized payload straight to the sockets.
 */
export function createSocketServer(options: SocketServerOptions) {
  const { limits, metrics, logger } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxMessageBytes });
  const alive = new WeakSet<WebSocket>();
  const liveLimits = options.liveLimits ?? (() => limits);
  const clientAddress = createClientAddressResolver(() => liveLimits().trustedProxies);
  const addressLimiter = createAddressLimiter({ limits: liveLimits });

  /** Ends the connection, and so its subscriptions, when its token expires. */
  function closeExpired(socket: WebSocket): void {
    socket.close(SubscriptionCloseCode.TokenExpired, 'Token expired');
  }

  function closeSlow(socket: WebSocket): void {
    logger.warn({ buffered: socket.bufferedAmount }, 'closing a slow subscription consumer');
    metrics.slowConsumers.inc();
    socket.close(SubscriptionCloseCode.SlowConsumer, 'Slow consumer');
  }

  /** Writes a message unless the client has fallen too far behind (then it is closed). */
  function write(socket: WebSocket, message: string): void {
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > limits.maxBufferedBytes) return closeSlow(socket);
    socket.send(message);
  }

  const server = makeServer<Record<string, unknown>, Extra>({
    connectionInitWaitTimeout: limits.connectionInitTimeoutMs,
    onConnect: async (ctx) => {
      const { socket } = ctx.extra;
      const token = tokenOf(ctx.connectionParams, ctx.extra.request);
      if (token === undefined && limits.requireToken) {
        socket.close(
          SubscriptionCloseCode.Unauthorized,
          closeReason(
            'Unauthorized: a token is required; send connection_init with payload {"authorization":"Bearer <token>"}',
          ),
        );
        return false;
      }
      try {
        ctx.extra.identity = await options.authenticator.authenticate(token);
      } catch (error) {
        if (error instanceof AuthenticationError)
          socket.close(
            SubscriptionCloseCode.Unauthorized,
            closeReason(`Unauthorized: ${error.message}`),
          );
        else {
          // Not the caller's fault (e.g. the signing keys cannot be fetched): retry later.
          logger.error({ err: error }, 'authentication failed unexpectedly');
          socket.close(
            SubscriptionCloseCode.TryAgainLater,
            'Try again later: authentication unavailable',
          );
        }
        return false;
      }
      // Closed while the token was checked: no timer may outlive the socket.
      if (socket.readyState !== socket.OPEN) return false;
      const expiresAtMs = ctx.extra.identity?.expiresAtMs;
      if (expiresAtMs !== undefined) {
        // Accepted within auth.clockToleranceSeconds past its exp: expired for a connection.
        if (expiresAtMs <= Date.now()) {
          closeExpired(socket);
          return false;
        }
        ctx.extra.cancelExpiry = scheduleExpiry(expiresAtMs, () => closeExpired(socket));
      }
      return true;
    },
    onSubscribe: (ctx, id, payload: SubscribePayload) => {
      const reject = (errors: readonly GraphQLError[]) => {
        for (const error of errors)
          metrics.rejected.inc({ code: String(error.extensions['code'] ?? 'UNKNOWN') });
        return errors as GraphQLError[];
      };
      // graphql-ws registers the subscription before this hook, so it is counted here.
      if (Object.keys(ctx.subscriptions).length > limits.maxSubscriptionsPerConnection)
        return reject([
          new GraphQLError(
            `a connection runs at most ${limits.maxSubscriptionsPerConnection} subscriptions`,
            { extensions: { code: ErrorCode.TooManySubscriptions } },
          ),
        ]);
      const request = options.prepare(payload, ctx.extra.identity);
      if (Array.isArray(request)) return reject(request);
      const { plan } = request;
      const prepared: Prepared = { request, context: ctx, id };
      return {
        schema: options.planner.apiSchema,
        document: plan.document,
        operationName: plan.operationName ?? null,
        contextValue: prepared,
      } satisfies ExecutionArgs;
    },
    subscribe: (args) => {
      const { request, context, id } = args.contextValue as Prepared;
      const socket = context.extra.socket;
      const prefix = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
      let leave = (): void => undefined;
      // Yields nothing: events bypass graphql-ws's per-subscriber serialization; the iterator
      // only carries the end of the subscription (client complete, socket close, upstream end).
      const iterator = createPushIterator<never>({ onEnd: () => leave() });
      leave = options.hub.subscribe(request, {
        next: (payload) => write(socket, `${prefix}${payload}}`),
        error: (errors) => {
          write(socket, stringifyMessage({ id, type: MessageType.Error, payload: [...errors] }));
          // The error ends the subscription: no `complete` may follow it.
          delete context.subscriptions[id];
          iterator.end();
        },
        complete: () => iterator.end(),
      });
      return iterator;
    },
  });

  wss.on('connection', (socket: WebSocket, request: http.IncomingMessage) => {
    metrics.connections.inc();
    alive.add(socket);
    socket.on('pong', () => alive.add(socket));
    socket.on('error', (error) => logger.debug({ err: error }, 'subscription socket error'));
    const extra: Extra = { socket, request };
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) => write(socket, data),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', (data: Buffer) => {
            handle(data.toString('utf8')).catch((error: unknown) => {
              logger.error({ err: error }, 'subscription message handling failed');
              socket.close(SubscriptionCloseCode.InternalServerError, 'Internal server error');
            });
          }),
      },
      extra,
    );
    socket.once('close', (code: number, reason: Buffer) => {
      extra.cancelExpiry?.();
      metrics.connections.dec();
      metrics.closed.inc({ code: String(code) });
      void closed(code, reason.toString('utf8'));
    });
  });

  // One timer for every socket: a socket that did not answer the previous ping is dropped.
  const keepAlive = setInterval(() => {
    for (const socket of wss.clients) {
      if (!alive.has(socket)) {
        socket.terminate();
        continue;
      }
      alive.delete(socket);
      socket.ping();
    }
  }, limits.keepAliveMs);
  keepAlive.unref();

  return {
    /**
     * Takes a WebSocket upgrade, unless its client address is over a per-address limit: then
     * HTTP 429 with `Retry-After` before the handshake, which costs less than accepting the
     * WebSocket to close it.
     */
    handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
      const admission = addressLimiter.admit(clientAddress(req));
      if (!admission.ok) {
        metrics.rejected.inc({ code: admission.code });
        refuseUpgrade(socket, 429, `Too many connections: ${admission.message}`, {
          'retry-after': admission.retryAfterSeconds,
        });
        return;
      }
      // The raw socket closes however the connection ends: refused below, a failed handshake,
      // or the WebSocket closed.
      if (socket.destroyed) admission.release();
      else socket.once('close', admission.release);
      wss.handleUpgrade(req, socket, head, (ws) => {
        if (wss.clients.size > limits.maxConnections) {
          metrics.rejected.inc({ code: 'TOO_MANY_CONNECTIONS' });
          ws.close(
            SubscriptionCloseCode.TryAgainLater,
            'Try again later: connection limit reached',
          );
          return;
        }
        wss.emit('connection', ws, req);
      });
    },
    connectionCount: () => wss.clients.size,
    /** Says goodbye (1001) to every client; those that do not answer within 2 s are cut off. */
    async close(): Promise<void> {
      clearInterval(keepAlive);
      for (const socket of wss.clients) socket.close(SubscriptionCloseCode.GoingAway, 'Going away');
      const closed = new Promise<void>((resolve) => wss.close(() => resolve()));
      const grace = setTimeout(() => {
        for (const socket of wss.clients) socket.terminate();
      }, 2_000); // 2 seconds
      await closed;
      clearTimeout(grace);
    },
  };
}

import type http from 'node:http';
import type { Registry } from 'prom-client';
import { schemaAccessFromSdl } from '../../lib/graphql/access-policy.ts';
import { upgradesAt } from '../../lib/http/upgrade-refusal.ts';
import type { Component } from '../../lib/lifecycle.ts';
import type { Logger } from '../../lib/logger.ts';
import type { Authenticator } from '../auth/identity.ts';
import type { QueryLimits } from '../config.ts';
import { createEventExecutor, type EventExecutorOptions } from './event-executor.ts';
import { createSubscriptionHub } from './hub.ts';
import { createSubscriptionMetrics } from './metrics.ts';
import { createSubscriptionPreparer } from './operation.ts';
import { createSubscriptionPlanner } from './planner.ts';
import type { SubscriptionLimits } from './settings.ts';
import { createSocketServer } from './socket-server.ts';
import { createUpstream } from './upstream.ts';
import type { UpstreamHeaders } from './upstream-headers.ts';

export interface SubscriptionGatewayOptions {
  /** The gateway's HTTP server: WebSocket upgrades of `path` become graphql-ws connections. */
  server: http.Server;
  /** The same path as HTTP GraphQL. Default `/graphql`. */
  path?: string;
  supergraphSdl: string;
  subgraphUrls: Readonly<Record<string, string>>;
  limits: SubscriptionLimits;
  /** `limits` as in force now, for the settings applied live (LIVE_SUBSCRIPTION_SETTINGS). */
  liveLimits?: () => SubscriptionLimits;
  /**
   * The HTTP side's query limits (token, depth, alias, cost), read per subscribe so a
   * configuration reload applies at once.
   */
  queryLimits: () => QueryLimits;
  /** Verifies the token of `connection_init` (the same tokens and scopes as HTTP). */
  authenticator: Authenticator;
  /** Headers sent to subgraphs on a caller's behalf, signed (`signedUpstreamHeaders`): subgraphs refuse unsigned ones. */
  upstreamHeaders: UpstreamHeaders;
  /** Data sources for entity fetches (e.g. the HTTP gateway's signing, pooled client). */
  dataSource?: EventExecutorOptions['dataSource'];
  metrics: Registry;
  logger: Logger;
}

/**
 * Federated subscriptions over graphql-ws on the gateway's own port and path: each root field
 * is streamed from the subgraph that owns it, the other subgraphs' fields are added per event
 * by entity fetches, and identical subscriptions share the upstream stream and the fetches.
 */
export function createSubscriptionGateway(
  options: SubscriptionGatewayOptions,
): Component & { connectionCount(): number } {
  const path = options.path ?? '/graphql';
  const { upstreamHeaders } = options;
  const metrics = createSubscriptionMetrics(options.metrics);
  const planner = createSubscriptionPlanner(options.supergraphSdl, {
    plansBuilt: metrics.plansBuilt,
  });
  const upstream = createUpstream({
    subgraphUrls: options.subgraphUrls,
    upstreamHeaders,
    retryAttempts: options.limits.upstreamRetryAttempts,
    logger: options.logger,
  });
  const hub = createSubscriptionHub({
    upstream,
    execute: createEventExecutor({
      planner,
      subgraphUrls: options.subgraphUrls,
      upstreamHeaders,
      ...(options.dataSource ? { dataSource: options.dataSource } : {}),
      logger: options.logger,
    }),
    upstreamHeaders,
    metrics,
    stateFields: new Set(options.limits.stateFields),
    logger: options.logger,
  });
  const sockets = createSocketServer({
    planner,
    // The same reading of @authenticated / @requiresScopes as the HTTP operation guard.
    prepare: createSubscriptionPreparer({
      planner,
      access: schemaAccessFromSdl(options.supergraphSdl),
      limits: options.queryLimits,
    }),
    hub,
    authenticator: options.authenticator,
    metrics,
    limits: options.limits,
    ...(options.liveLimits ? { liveLimits: options.liveLimits } : {}),
    logger: options.logger,
  });
  const onUpgrade = upgradesAt(path, (req, socket, head) =>
    sockets.handleUpgrade(req, socket, head),
  );
  let listening = false;
  return {
    name: 'subscriptions',
    connectionCount: () => sockets.connectionCount(),
    start() {
      options.server.on('upgrade', onUpgrade);
      listening = true;
      return upstream.start();
    },
    async stop() {
      options.server.off('upgrade', onUpgrade);
      listening = false;
      await sockets.close();
      await upstream.stop();
    },
    ready: () => Promise.resolve(listening),
  };
}

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The gateway's subscription metrics, on its /metrics. */
export interface SubscriptionMetrics {
  connections: Gauge;
  upstreamActive: Gauge;
  upstreamStarted: Counter;
  groupsActive: Gauge;
  subscribersActive: Gauge;
  upstreamEvents: Counter;
  executions: Counter;
  delivered: Counter;
  latency: Histogram;
  closed: Counter<'code'>;
  rejected: Counter<'code'>;
  slowConsumers: Counter;
  plansBuilt: Counter;
}

export function createSubscriptionMetrics(registry: Registry): SubscriptionMetrics {
  const registers = [registry];
  return {
    connections: new Gauge({
      name: 'pulsehub_subscription_connections',
      help: 'Open graphql-ws connections',
      registers,
    }),
    upstreamActive: new Gauge({
      name: 'pulsehub_subscription_upstream_active',
      help: 'Subscriptions the gateway holds open at subgraphs (shared by identical client subscriptions)',
      registers,
    }),
    upstreamStarted: new Counter({
      name: 'pulsehub_subscription_upstream_started_total',
      help: 'Subscriptions the gateway opened at subgraphs',
      registers,
    }),
    groupsActive: new Gauge({
      name: 'pulsehub_subscription_groups_active',
      help: 'Distinct client subscriptions (operation, variables, authorization): each runs its entity fetches once per event',
      registers,
    }),
    subscribersActive: new Gauge({
      name: 'pulsehub_subscription_subscribers_active',
      help: 'Client subscriptions being served, deduplicated onto the groups',
      registers,
    }),
    upstreamEvents: new Counter({
      name: 'pulsehub_subscription_upstream_events_total',
      help: 'Events received from subgraphs',
      registers,
    }),
    executions: new Counter({
      name: 'pulsehub_subscription_event_executions_total',
      help: 'Per-event executions (entity fetches and result shaping), one per group and event',
      registers,
    }),
    delivered: new Counter({
      name: 'pulsehub_subscription_messages_delivered_total',
      help: 'next messages written to client sockets',
      registers,
    }),
    latency: new Histogram({
      name: 'pulsehub_subscription_delivery_seconds',
      help: 'From an event arriving from the subgraph to its message being written to every subscriber',
      buckets: [0.000_5, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    closed: new Counter({
      name: 'pulsehub_subscription_connections_closed_total',
      help: 'graphql-ws connections closed, by WebSocket close code',
      labelNames: ['code'],
      registers,
    }),
    rejected: new Counter({
      name: 'pulsehub_subscription_rejected_total',
      help: 'Subscriptions and connections refused, by error code (connections: TOO_MANY_CONNECTIONS, TOO_MANY_CONNECTIONS_PER_ADDRESS, CONNECTION_RATE_LIMITED)',
      labelNames: ['code'],
      registers,
    }),
    slowConsumers: new Counter({
      name: 'pulsehub_subscription_slow_consumers_total',
      help: 'Connections closed with 4008 because their unsent messages passed maxBufferedBytes',
      registers,
    }),
    plansBuilt: new Counter({
      name: 'pulsehub_subscription_plans_total',
      help: 'Subscription plans built by the query planner (plan cache misses); refused documents never reach it',
      registers,
    }),
  };
}

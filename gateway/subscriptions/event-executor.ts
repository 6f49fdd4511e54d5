import {
  executeQueryPlan,
  RemoteGraphQLDataSource,
  type GraphQLDataSource,
  type ServiceMap,
} from '@apollo/gateway';
import type { QueryPlan } from '@apollo/query-planner';
import type { FormattedExecutionResult } from 'graphql';
import type { Logger } from '../../lib/logger.ts';
import type { GatewayContext } from '../context.ts';
import type { Identity } from '../auth/identity.ts';
import type { SubscriptionPlan, SubscriptionPlanner } from './planner.ts';
import type { UpstreamHeaders } from './upstream-headers.ts';

/** One message of the upstream stream: the primary fetch's result for one event. */
export type UpstreamEvent = FormattedExecutionResult<Record<string, unknown>, unknown>;

/** Runs a plan's `rest` for one event and returns the client's payload, serialized once. */
export type EventExecutor = (
  plan: SubscriptionPlan,
  event: UpstreamEvent,
  variables: Record<string, unknown>,
  identity: Identity | undefined,
) => Promise<string>;

interface EventContext {
  event: UpstreamEvent;
  identity: Identity | undefined;
}

/** The name under which the already-streamed event takes the place of the primary fetch. */
const EVENT_SERVICE = '__pulsehub_subscription_event__';

/** Answers the primary fetch with the event the subgraph streamed, instead of fetching. */
const eventSource: GraphQLDataSource<Record<string, unknown>> = {
  process: ({ context }) => {
    const { event } = context as unknown as EventContext;
    return Promise.resolve({
      data: event.data ?? null,
      ...(event.errors ? { errors: event.errors as never } : {}),
    });
  },
};

type RequestContext = Parameters<typeof executeQueryPlan>[2];

export interface EventExecutorOptions {
  planner: SubscriptionPlanner;
  subgraphUrls: Readonly<Record<string, string>>;
  /**
   * The data source of a subgraph for entity fetches; its `context.identity` is the caller.
   * Default: a RemoteGraphQLDataSource sending `upstreamHeaders(identity)`.
   */
  dataSource?: (url: string) => GraphQLDataSource<GatewayContext>;
  upstreamHeaders: UpstreamHeaders;
  logger: Logger;
}

/**
 * Executes the per-event part of subscription plans with @apollo/gateway's own plan executor:
 * the plan becomes "primary fetch, then rest", and the primary fetch is answered with the
 * event, so entity fetches, @requires, result shaping and error paths behave exactly as for
 * queries.
 */
export function createEventExecutor(options: EventExecutorOptions): EventExecutor {
  const { planner, upstreamHeaders } = options;
  const dataSource =
    options.dataSource ??
    ((url: string) =>
      new RemoteGraphQLDataSource<Record<string, unknown>>({
        url,
        // Node's fetch keeps connections alive and pooled per subgraph.
        fetcher: fetch as unknown as RemoteGraphQLDataSource['fetcher'],
        willSendRequest({ request, context }) {
          const { identity } = context as unknown as EventContext;
          for (const [header, value] of Object.entries(upstreamHeaders(identity)))
            request.http?.headers.set(header, value);
        },
      }));
  const serviceMap: ServiceMap = { [EVENT_SERVICE]: eventSource };
  for (const [name, url] of Object.entries(options.subgraphUrls))
    serviceMap[name] = dataSource(url);
  const plans = new WeakMap<SubscriptionPlan, QueryPlan>();
  const queryPlanOf = (plan: SubscriptionPlan): QueryPlan => {
    let queryPlan = plans.get(plan);
    if (!queryPlan) {
      const primary = { ...plan.primary, serviceName: EVENT_SERVICE };
      queryPlan = {
        kind: 'QueryPlan',
        node: plan.rest ? { kind: 'Sequence', nodes: [primary, plan.rest] } : primary,
      };
      plans.set(plan, queryPlan);
    }
    return queryPlan;
  };

  return async (plan, event, variables, identity) => {
    const context: EventContext = { event, identity };
    const requestContext = {
      request: { query: plan.canonical, variables, operationName: plan.operationName },
      document: plan.document,
      operationName: plan.operationName ?? null,
      operation: plan.operationContext.operation,
      context,
      logger: options.logger,
      metrics: {},
    } as unknown as RequestContext;
    const result = await executeQueryPlan(
      queryPlanOf(plan),
      serviceMap,
      requestContext,
      plan.operationContext,
      planner.supergraphSchema,
      planner.apiFederationSchema,
    );
    return JSON.stringify(result);
  };
}

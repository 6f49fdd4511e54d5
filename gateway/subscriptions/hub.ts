import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from '../../lib/logger.ts';
import { ErrorCode } from '../../schema/errors.ts';
import type { Identity } from '../auth/identity.ts';
import type { EventExecutor, UpstreamEvent } from './event-executor.ts';
import type { SubscriptionMetrics } from './metrics.ts';
import type { SubscriptionPlan } from './planner.ts';
import type { Upstream } from './upstream.ts';
import { authorizationKey, type UpstreamHeaders } from './upstream-headers.ts';

/** A client subscription's end of the hub. */
export interface Subscriber {
  /** One event's execution result, already serialized (the same string for every subscriber). */
  next(payload: string): void;
  /** The subscription failed; nothing follows. */
  error(errors: readonly GraphQLFormattedError[]): void;
  /** The subgraph ended the stream; nothing follows. */
  complete(): void;
}

export interface HubRequest {
  plan: SubscriptionPlan;
  /** Coerced variable values. */
  variables: Record<string, unknown>;
  identity: Identity | undefined;
}

export interface SubscriptionHub {
  /** Adds a subscriber; the returned function removes it. */
  subscribe(request: HubRequest, subscriber: Subscriber): () => void;
}

export interface HubOptions {
  upstream: Upstream;
  execute: EventExecutor;
  upstreamHeaders: UpstreamHeaders;
  metrics: SubscriptionMetrics;
  /**
   * Root fields whose every message is the full current state (profileUpdated): a subscriber
   * joining a shared subscription gets the latest message at once, and a message identical to
   * the previous one is not sent again.
   */
  stateFields: ReadonlySet<string>;
  logger: Logger;
}

/** Identical client subscriptions: one execution per event, one payload string for all. */
interface Group {
  request: HubRequest;
  subscribers: Set<Subscriber>;
  /** Deliveries in event order, while executions run concurrently. */
  chain: Promise<void>;
  latest: string | undefined;
  closed: boolean;
}

/** One upstream subscription, shared by the groups whose primary fetch is the same. */
interface Source {
  groups: Map<string, Group>;
  latest: UpstreamEvent | undefined;
  cancel: () => void;
}

const stableJson = (value: Record<string, unknown>): string =>
  JSON.stringify(Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b))));

/**
 * Deduplicates subscriptions at two levels. Client subscriptions with the same operation,
 * variables and authorization context form a group, whose per-event entity fetches run once
 * and whose payload is serialized once for all its subscribers. Groups whose primary fetch
 * (subgraph operation and its variables) and authorization context are the same share one
 * upstream subscription.
 */
export function createSubscriptionHub(options: HubOptions): SubscriptionHub {
  const { metrics } = options;
  const sources = new Map<string, Source>();

  function deliver(group: Group, payload: string, receivedAt: number, state: boolean): void {
    if (group.closed) return;
    if (state) {
      if (payload === group.latest) return;
      group.latest = payload;
    }
    for (const subscriber of group.subscribers) subscriber.next(payload);
    metrics.delivered.inc(group.subscribers.size);
    metrics.latency.observe((performance.now() - receivedAt) / 1_000);
  }

  function execute(group: Group, event: UpstreamEvent): void {
    const { request } = group;
    const receivedAt = performance.now();
    metrics.executions.inc();
    const state =
      request.plan.rootField !== undefined && options.stateFields.has(request.plan.rootField);
    const payload = options
      .execute(request.plan, event, request.variables, request.identity)
      .catch((error: unknown) => {
        options.logger.error({ err: error }, 'subscription event execution failed');
        return JSON.stringify({
          errors: [
            {
              message: 'the event could not be executed',
              extensions: { code: ErrorCode.InternalServerError },
            },
          ],
        });
      });
    group.chain = group.chain
      .then(() => payload)
      .then((serialized) => deliver(group, serialized, receivedAt, state));
  }

  function end(source: Source, key: string, notify: (subscriber: Subscriber) => void): void {
    if (sources.get(key) !== source) return;
    sources.delete(key);
    metrics.upstreamActive.dec();
    for (const group of source.groups.values()) {
      // After the deliveries already under way, so the end never overtakes an event.
      void group.chain.then(() => {
        if (group.closed) return;
        group.closed = true;
        metrics.groupsActive.dec();
        metrics.subscribersActive.dec(group.subscribers.size);
        for (const subscriber of group.subscribers) notify(subscriber);
        group.subscribers.clear();
      });
    }
  }

  function openSource(request: HubRequest, key: string): Source {
    const { plan, identity } = request;
    const variables = Object.fromEntries(
      (plan.primary.variableUsages ?? [])
        .filter((name) => request.variables[name] !== undefined)
        .map((name) => [name, request.variables[name]]),
    );
    const state = plan.rootField !== undefined && options.stateFields.has(plan.rootField);
    const source: Source = { groups: new Map(), latest: undefined, cancel: () => undefined };
    // Registered only once the upstream accepted it, so a refusal leaves nothing behind.
    source.cancel = options.upstream.subscribe(
      plan.primary.serviceName,
      {
        query: plan.primary.operation,
        operationName: plan.primary.operationName,
        variables,
        headers: options.upstreamHeaders(identity),
      },
      {
        next: (event) => {
          metrics.upstreamEvents.inc();
          if (state) source.latest = event;
          for (const group of source.groups.values()) execute(group, event);
        },
        error: (errors) => end(source, key, (subscriber) => subscriber.error(errors)),
        complete: () => end(source, key, (subscriber) => subscriber.complete()),
      },
    );
    sources.set(key, source);
    metrics.upstreamActive.inc();
    metrics.upstreamStarted.inc();
    return source;
  }

  return {
    subscribe(request, subscriber) {
      const { plan } = request;
      const auth = authorizationKey(request.identity);
      const sourceKey = [
        plan.primary.serviceName,
        plan.primary.operation,
        stableJson(
          Object.fromEntries(
            (plan.primary.variableUsages ?? []).map((name) => [name, request.variables[name]]),
          ),
        ),
        auth,
      ].join('\n');
      const groupKey = [plan.canonical, stableJson(request.variables), auth].join('\n');
      const source = sources.get(sourceKey) ?? openSource(request, sourceKey);
      let group = source.groups.get(groupKey);
      if (!group) {
        const created: Group = {
          request,
          subscribers: new Set(),
          chain: Promise.resolve(),
          latest: undefined,
          closed: false,
        };
        group = created;
        source.groups.set(groupKey, created);
        metrics.groupsActive.inc();
        if (source.latest !== undefined) execute(created, source.latest);
      } else if (group.latest !== undefined) {
        subscriber.next(group.latest);
        metrics.delivered.inc();
      }
      group.subscribers.add(subscriber);
      metrics.subscribersActive.inc();

      const joined = group;
      let left = false;
      return () => {
        if (left || joined.closed) return;
        left = true;
        joined.subscribers.delete(subscriber);
        metrics.subscribersActive.dec();
        if (joined.subscribers.size > 0) return;
        joined.closed = true;
        source.groups.delete(groupKey);
        metrics.groupsActive.dec();
        if (source.groups.size > 0 || sources.get(sourceKey) !== source) return;
        sources.delete(sourceKey);
        metrics.upstreamActive.dec();
        source.cancel();
      };
    },
  };
}

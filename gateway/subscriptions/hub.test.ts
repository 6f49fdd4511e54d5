import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.ts';
import { supergraphSdl } from '../../schema/sdl.ts';
import type { UpstreamEvent } from './event-executor.ts';
import { createSubscriptionHub, type Subscriber } from './hub.ts';
import { createSubscriptionMetrics } from './metrics.ts';
import { createSubscriptionPlanner, type SubscriptionPlan } from './planner.ts';
import type { Upstream, UpstreamSink } from './upstream.ts';
import { identityUpstreamHeaders } from './upstream-headers.ts';

const planner = createSubscriptionPlanner(supergraphSdl());
const plan = planner.plan(
  'subscription ($id: ID!) { profileUpdated(id: $id) { eventCount } }',
  undefined,
) as SubscriptionPlan;
const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

function setup(delays: number[] = []) {
  const sinks: UpstreamSink[] = [];
  let cancelled = 0;
  const upstream: Upstream = {
    name: 'test-upstream',
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(),
    ready: () => Promise.resolve(true),
    subscribe: (_service, _request, sink) => {
      sinks.push(sink);
      return () => cancelled++;
    },
  };
  let executions = 0;
  const hub = createSubscriptionHub({
    upstream,
    // Serializes the event's count; optional delays make executions finish out of order.
    execute: async (_plan, event) => {
      const delay = delays[executions++] ?? 0;
      await new Promise((resolve) => setTimeout(resolve, delay));
      return JSON.stringify(event.data);
    },
    upstreamHeaders: identityUpstreamHeaders,
    metrics: createSubscriptionMetrics(new Registry()),
    stateFields: new Set(['profileUpdated']),
    logger: createLogger('test', 'silent'),
  });
  const subscriber = () => {
    const seen: string[] = [];
    const ends: string[] = [];
    const sink: Subscriber = {
      next: (payload) => seen.push(payload),
      error: () => ends.push('error'),
      complete: () => ends.push('complete'),
    };
    return { seen, ends, sink };
  };
  const request = (id: string, subject = 'dash') => ({
    plan,
    variables: { id },
    identity: { subject, scopes: new Set(['profiles:read']) },
  });
  const event = (count: number): UpstreamEvent => ({ data: { count } });
  return {
    hub,
    sinks,
    subscriber,
    request,
    event,
    cancelled: () => cancelled,
    executions: () => executions,
  };
}

describe('subscription hub', () => {
  it('shares one upstream subscription and one execution per event among identical subscribers', async () => {
    const t = setup();
    const a = t.subscriber();
    const b = t.subscriber();
    const leaveA = t.hub.subscribe(t.request('u1'), a.sink);
    const leaveB = t.hub.subscribe(t.request('u1'), b.sink);
    expect(t.sinks).toHaveLength(1);
    t.sinks[0]?.next(t.event(1));
    await tick();
    await tick();
    expect(a.seen).toEqual(['{"count":1}']);
    expect(b.seen).toEqual(a.seen);
    expect(t.executions()).toBe(1);
    leaveA();
    expect(t.cancelled()).toBe(0);
    leaveB();
    expect(t.cancelled()).toBe(1);
  });

  it("shares the upstream subscription between operations that differ only in other subgraphs' fields", async () => {
    const t = setup();
    const withActivities = (first: number) =>
      planner.plan(
        `subscription ($id: ID!) { profileUpdated(id: $id) { eventCount activities(first: ${first}) { edges { cursor } } } }`,
        undefined,
      ) as SubscriptionPlan;
    const a = t.subscriber();
    const b = t.subscriber();
    t.hub.subscribe({ ...t.request('u1'), plan: withActivities(1) }, a.sink);
    t.hub.subscribe({ ...t.request('u1'), plan: withActivities(2) }, b.sink);
    expect(t.sinks).toHaveLength(1);
    t.sinks[0]?.next(t.event(1));
    await tick();
    expect(t.executions()).toBe(2);
    expect([a.seen, b.seen]).toEqual([['{"count":1}'], ['{"count":1}']]);
  });

  it('keeps callers with another identity or other variables apart', () => {
    const t = setup();
    t.hub.subscribe(t.request('u1'), t.subscriber().sink);
    t.hub.subscribe(t.request('u1', 'someone-else'), t.subscriber().sink);
    t.hub.subscribe(t.request('u2'), t.subscriber().sink);
    expect(t.sinks).toHaveLength(3);
  });

  it('delivers in event order even when executions finish out of order, and skips unchanged state', async () => {
    const t = setup([30, 0, 0]);
    const a = t.subscriber();
    t.hub.subscribe(t.request('u1'), a.sink);
    t.sinks[0]?.next(t.event(1));
    t.sinks[0]?.next(t.event(2));
    t.sinks[0]?.next(t.event(2));
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(a.seen).toEqual(['{"count":1}', '{"count":2}']);
  });

  it('gives a late joiner the latest state at once, and ends everyone after the upstream fails', async () => {
    const t = setup();
    const first = t.subscriber();
    t.hub.subscribe(t.request('u1'), first.sink);
    t.sinks[0]?.next(t.event(5));
    await tick();
    await tick();
    const late = t.subscriber();
    t.hub.subscribe(t.request('u1'), late.sink);
    expect(late.seen).toEqual(['{"count":5}']);
    t.sinks[0]?.error([{ message: 'gone' }]);
    await tick();
    expect(first.ends).toEqual(['error']);
    expect(late.ends).toEqual(['error']);
    // A new subscriber after the failure opens a new upstream subscription.
    t.hub.subscribe(t.request('u1'), t.subscriber().sink);
    expect(t.sinks).toHaveLength(2);
  });
});

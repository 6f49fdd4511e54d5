import { Gauge, type Registry } from 'prom-client';
import { settlesWithin } from '../deadline.ts';
import type { Component } from '../lifecycle.ts';

/** The infrastructure a component is the client of, as `pulsehub_dependency_up` names it. */
export type Dependency = 'kafka' | 'redis' | 'postgres';

/**
 * Components that are nothing but a client of one piece of infrastructure, by their name
 * (lib/postgres.ts, lib/redis.ts, lib/redis-channels.ts, events/producer.ts). Consumers
 * are left out on purpose: their readiness mixes group membership with their sink's health,
 * so it says "this service works", which `pulsehub_ready` already reports.
 */
export const DEPENDENCY_OF_COMPONENT: Readonly<Record<string, Dependency>> = {
  postgres: 'postgres',
  redis: 'redis',
  'redis-subscriber': 'redis',
  'event-producer': 'kafka',
};

/**
 * Bound of one scrape's readiness checks. Each check bounds itself (1 s for the PostgreSQL and
 * Redis round trips); this only keeps a check that does not stops a scrape from hanging, well
 * inside Prometheus' default 10 s scrape timeout.
 */
export const READINESS_SCRAPE_TIMEOUT_MS = 2_000; // 2 seconds

/** One readiness answer per component, a check that throws or outlasts the bound counting false. */
async function answersOf(
  components: readonly Component[],
  timeoutMs: number,
): Promise<Array<{ component: Component; ready: boolean }>> {
  return Promise.all(
    components.map(async (component) => {
      let ready = false;
      const check = component.ready().then((answer) => {
        ready = answer;
      });
      const inTime = await settlesWithin(check, timeoutMs);
      return { component, ready: inTime && ready };
    }),
  );
}

/**
 * `pulsehub_ready` (1 while `/ready` would answer 200) and `pulsehub_dependency_up{dependency}`
 * (1 while every client of that dependency answers), both refreshed on each scrape by the same
 * checks `/ready` runs, so an alert sees what a load balancer sees. One set of checks serves
 * both gauges of a scrape. A service without a client of some dependency has no series for it.
 */
export function registerReadinessMetrics(
  registry: Registry,
  dependencies: () => readonly Component[],
  timeoutMs = READINESS_SCRAPE_TIMEOUT_MS,
): void {
  // A second server on the same registry (tests build several) reports through the first.
  if (registry.getSingleMetric('pulsehub_ready') !== undefined) return;
  let inFlight: ReturnType<typeof answersOf> | undefined;
  // The registry collects every metric of a scrape at once: both gauges await the same checks.
  const answers = (): ReturnType<typeof answersOf> => {
    inFlight ??= answersOf(dependencies(), timeoutMs).finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
  new Gauge({
    name: 'pulsehub_ready',
    help: '1 while every component of the service is ready (what /ready answers 200 for), else 0.',
    registers: [registry],
    async collect() {
      const all = await answers();
      this.set(all.every((answer) => answer.ready) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'pulsehub_dependency_up',
    help: '1 while every client of the dependency (kafka, redis, postgres) in this service answers, else 0.',
    labelNames: ['dependency'] as const,
    registers: [registry],
    async collect() {
      const up = new Map<Dependency, boolean>();
      for (const { component, ready } of await answers()) {
        const dependency = DEPENDENCY_OF_COMPONENT[component.name];
        if (dependency !== undefined) up.set(dependency, (up.get(dependency) ?? true) && ready);
      }
      this.reset();
      for (const [dependency, isUp] of up) this.set({ dependency }, isUp ? 1 : 0);
    },
  });
}

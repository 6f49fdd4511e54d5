import { rm } from 'node:fs/promises';
import path from 'node:path';
import { gatewayChecks, startBaselineGateway } from '../support/gateway-comparison.ts';
import type { EventPlan } from '../support/events.ts';
import { profileId } from '../support/events.ts';
import type { LoopResult } from '../support/load/closed-loop.ts';
import { windowMs, type Scenario } from '../support/scenario.ts';
import { seedProfiles } from '../support/seed.ts';
import { ALL_SERVICES, startScenarioSystem } from '../support/services.ts';
import { writeSupergraph } from '../support/supergraph.ts';
import { runWorker } from '../support/worker.ts';
import type { HttpLoadSettings } from '../workers/http-load.ts';

const DEFAULT_CONCURRENCY = 10;
const DEFAULT_PROFILES = 1_000;
const EVENTS_PER_PROFILE = 5;

/** The query every gateway answers: a profile from the Profile subgraph and its activities. */
export const PROFILE_QUERY = `query Profile($id: ID!) {
  profile(id: $id) {
    id eventCount lastSeenAt
    activities(first: 5) { edges { node { id name timestamp } } }
  }
}`;
/** The two subgraph requests a gateway makes for it, made directly: the ceiling. */
const SUBGRAPH_PROFILE_QUERY =
  'query ($id: ID!) { profile(id: $id) { __typename id eventCount lastSeenAt } }';
const SUBGRAPH_ENTITIES_QUERY = `query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Profile { activities(first: 5) { edges { node { id name timestamp } } } }
  }
}`;

type Target = 'pulsehub' | 'hive' | 'apollo' | 'subgraphs';
const TARGET_NAMES: Record<Exclude<Target, 'pulsehub'>, string> = {
  hive: 'Hive Gateway',
  apollo: 'stock Apollo gateway',
  subgraphs: 'subgraphs directly',
};
const TARGETS: Record<Exclude<Target, 'pulsehub'>, number | undefined> = {
  hive: 1.0,
  apollo: 3.0,
  subgraphs: undefined,
};

export const gatewayScenario: Scenario = {
  name: 'gateway',
  summary:
    'profile + activities query: PulseHub vs Hive Gateway vs stock Apollo gateway vs the subgraphs directly',
  partitions: 6,
  async run(context) {
    const { namespace, options, log, auth } = context;
    const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    const window = windowMs(context);
    const profiles = options.profiles ?? DEFAULT_PROFILES;
    const plan: EventPlan = {
      runId: namespace.id,
      profiles,
      baseTimeMs: Date.now() - profiles * EVENTS_PER_PROFILE,
    };
    const system = await startScenarioSystem(context, ALL_SERVICES);
    log(
      `seeding ${profiles} profiles × ${EVENTS_PER_PROFILE} events through processor and archiver`,
    );
    await seedProfiles(namespace, plan, EVENTS_PER_PROFILE);
    // Idle consumers cost nothing, but the machine is small: leave it to the query path.
    await system.services.processor?.stop();
    await system.services.archiver?.stop();

    const subgraphUrl = (name: 'profile' | 'activity' | 'config') =>
      `${system.services[name]?.baseUrl}/graphql`;
    const supergraph = await writeSupergraph({
      profile: subgraphUrl('profile'),
      activity: subgraphUrl('activity'),
      config: subgraphUrl('config'),
    });
    context.defer(() => rm(path.dirname(supergraph), { recursive: true, force: true }));
    const baselineServer = (name: string, entry: string) =>
      startBaselineGateway(context, supergraph, name, entry);
    const urls = {
      pulsehub: `${system.gatewayUrl}/graphql`,
      hive: await baselineServer('Hive Gateway', 'bench/servers/hive-gateway.ts'),
      apollo: await baselineServer('stock Apollo gateway', 'bench/servers/apollo-gateway.ts'),
    };
    const ids = Array.from({ length: profiles }, (_, index) => profileId(plan, index));

    const load = async (target: Target): Promise<LoopResult> => {
      const operation: HttpLoadSettings['operation'] =
        target === 'subgraphs'
          ? {
              kind: 'subgraphs',
              profileUrl: subgraphUrl('profile'),
              profileQuery: SUBGRAPH_PROFILE_QUERY,
              activityUrl: subgraphUrl('activity'),
              entitiesQuery: SUBGRAPH_ENTITIES_QUERY,
              ids,
            }
          : {
              kind: 'graphql',
              url: urls[target],
              query: PROFILE_QUERY,
              ids,
              headers: target === 'pulsehub' ? auth.gatewayHeaders : {},
            };
      const result = await runWorker<LoopResult>(
        'bench/workers/http-load.ts',
        { concurrency, ...window, operation } satisfies HttpLoadSettings,
        `${target} load`,
      );
      if (result.errors > 0)
        throw new Error(`${target}: ${result.errors} failed requests, first: ${result.firstError}`);
      return result;
    };

    const order: Target[] = ['pulsehub', 'hive', 'apollo', 'subgraphs'];
    const runs: Array<Record<Target, LoopResult> & { run: number }> = [];
    for (let run = 1; run <= options.runs; run++) {
      // Rotating who goes first spreads a drifting machine over every target alike.
      const rotated = [...order.slice((run - 1) % 4), ...order.slice(0, (run - 1) % 4)];
      const results: Partial<Record<Target, LoopResult>> = {};
      for (const target of rotated) results[target] = await load(target);
      const complete = results as Record<Target, LoopResult>;
      log(
        `run ${run}: ${order.map((target) => `${target} ${Math.round(complete[target].perSecond)} req/s (p99 ${complete[target].latency.p99.toFixed(1)} ms)`).join(', ')}`,
      );
      runs.push({ run, ...complete });
    }

    const checks = gatewayChecks(
      'gateway',
      concurrency,
      runs,
      (Object.keys(TARGETS) as Array<Exclude<Target, 'pulsehub'>>).map((key) => ({
        key,
        name: TARGET_NAMES[key],
        ...(TARGETS[key] === undefined ? {} : { minRatio: TARGETS[key] }),
      })),
    );
    return {
      settings: {
        concurrency,
        ...window,
        profiles,
        eventsPerProfile: EVENTS_PER_PROFILE,
        query: PROFILE_QUERY,
        runs: options.runs,
      },
      runs,
      checks,
    };
  },
};

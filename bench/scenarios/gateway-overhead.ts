import { rm } from 'node:fs/promises';
import path from 'node:path';
import { answersGraphQL, freePort, OUTPUT_TAIL, spawnNode } from '../../scripts/node-process.ts';
import { gatewayChecks, startBaselineGateway } from '../support/gateway-comparison.ts';
import type { LoopResult } from '../support/load/closed-loop.ts';
import { windowMs, type Scenario } from '../support/scenario.ts';
import { startService } from '../support/services.ts';
import { writeSupergraph } from '../support/supergraph.ts';
import { runWorker } from '../support/worker.ts';
import type { HttpLoadSettings } from '../workers/http-load.ts';
import { memoryProfileId } from '../servers/memory-data.ts';

const DEFAULT_CONCURRENCY = 10;
// Few enough that each gateway's warm-up asks for every one: the subgraphs then answer the
// measured window from memory alone (the id changes the variables, not the gateway's work).
const DEFAULT_PROFILES = 100;

/**
 * The gateway scenario's profile + activities query and a Config subgraph field beside it: one
 * request becomes three subgraph fetches (profile, then the activities entity with its
 * `@requires(fields: "identifiers")`, and the segments in parallel).
 */
export const OVERHEAD_QUERY = `query ProfileAndSegments($id: ID!) {
  profile(id: $id) {
    id eventCount lastSeenAt
    activities(first: 5) { edges { node { id name timestamp } } }
  }
  segments { name description }
}`;

type Target = 'pulsehub' | 'apollo' | 'hive';
type Baseline = Exclude<Target, 'pulsehub'>;
const BASELINE_NAMES: Record<Baseline, string> = {
  apollo: 'stock Apollo gateway',
  hive: 'Hive Gateway',
};
const MIN_RATIOS: Record<Baseline, number> = { apollo: 3.0, hive: 1.5 };

export const gatewayOverheadScenario: Scenario = {
  name: 'gateway-overhead',
  summary: 'gateway alone on in-memory subgraphs: PulseHub vs stock Apollo gateway vs Hive Gateway',
  // The gateway produces nothing here; its ingest producer only needs the topics to exist.
  partitions: 1,
  async run(context) {
    const { namespace, options, log, auth } = context;
    const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    const window = windowMs(context);
    const profiles = options.profiles ?? DEFAULT_PROFILES;

    const subgraphsPort = await freePort();
    const subgraphUrl = (name: 'profile' | 'activity' | 'config') =>
      `http://127.0.0.1:${subgraphsPort}/${name}/graphql`;
    const subgraphs = await spawnNode({
      name: 'in-memory subgraphs',
      entry: 'bench/servers/memory-subgraphs.ts',
      args: [String(subgraphsPort), String(profiles)],
      ready: () => answersGraphQL(subgraphUrl('profile')),
      outputLimit: OUTPUT_TAIL,
    });
    context.defer(() => subgraphs.stop());
    const urls = {
      profile: subgraphUrl('profile'),
      activity: subgraphUrl('activity'),
      config: subgraphUrl('config'),
    };

    // PulseHub's gateway from its real main.ts, as the gateway scenario runs it, but pointed
    // at the in-memory subgraphs.
    const gateway = await startService('gateway', namespace, {
      env: {
        ...auth.serviceEnv,
        SUBGRAPHS_PROFILE: urls.profile,
        SUBGRAPHS_ACTIVITY: urls.activity,
        SUBGRAPHS_CONFIG: urls.config,
      },
      ...(context.cpuProfileDir ? { cpuProfileDir: context.cpuProfileDir } : {}),
    });
    context.defer(() => gateway.stop());

    const supergraph = await writeSupergraph(urls);
    context.defer(() => rm(path.dirname(supergraph), { recursive: true, force: true }));
    const baselineServer = (name: string, entry: string) =>
      startBaselineGateway(context, supergraph, name, entry);
    const targetUrls: Record<Target, string> = {
      pulsehub: `${gateway.baseUrl}/graphql`,
      apollo: await baselineServer(BASELINE_NAMES.apollo, 'bench/servers/apollo-gateway.ts'),
      hive: await baselineServer(BASELINE_NAMES.hive, 'bench/servers/hive-gateway.ts'),
    };
    const ids = Array.from({ length: profiles }, (_, index) => memoryProfileId(index));

    const load = async (target: Target): Promise<LoopResult> => {
      const result = await runWorker<LoopResult>(
        'bench/workers/http-load.ts',
        {
          concurrency,
          ...window,
          operation: {
            kind: 'graphql',
            url: targetUrls[target],
            query: OVERHEAD_QUERY,
            ids,
            headers: target === 'pulsehub' ? auth.gatewayHeaders : {},
          },
        } satisfies HttpLoadSettings,
        `${target} load`,
      );
      if (result.errors > 0)
        throw new Error(`${target}: ${result.errors} failed requests, first: ${result.firstError}`);
      return result;
    };

    const order: Target[] = ['pulsehub', 'apollo', 'hive'];
    const runs: Array<Record<Target, LoopResult> & { run: number }> = [];
    for (let run = 1; run <= options.runs; run++) {
      // Rotating who goes first spreads a drifting machine over every target alike.
      const shift = (run - 1) % order.length;
      const rotated = [...order.slice(shift), ...order.slice(0, shift)];
      const results: Partial<Record<Target, LoopResult>> = {};
      for (const target of rotated) results[target] = await load(target);
      const complete = results as Record<Target, LoopResult>;
      log(
        `run ${run}: ${order.map((target) => `${target} ${Math.round(complete[target].perSecond)} req/s (p99 ${complete[target].latency.p99.toFixed(1)} ms)`).join(', ')}`,
      );
      runs.push({ run, ...complete });
    }
    // Shows that the subgraphs stayed negligible: nearly every answer came from memory.
    const served = (await (await fetch(`http://127.0.0.1:${subgraphsPort}/stats`)).json()) as {
      requests: number;
      executed: number;
    };
    log(`in-memory subgraphs: ${served.requests} requests, ${served.executed} executed`);

    const checks = gatewayChecks(
      'gateway-overhead',
      concurrency,
      runs,
      (Object.keys(BASELINE_NAMES) as Baseline[]).map((key) => ({
        key,
        name: BASELINE_NAMES[key],
        minRatio: MIN_RATIOS[key],
      })),
    );
    return {
      settings: { concurrency, ...window, profiles, query: OVERHEAD_QUERY, runs: options.runs },
      runs,
      checks,
    };
  },
};

import { rm } from 'node:fs/promises';
import path from 'node:path';
import { answersGraphQL, freePort, OUTPUT_TAIL, spawnNode } from '../../scripts/node-process.ts';
import {
  BASELINE_GATEWAYS,
  compareGateways,
  startBaselineGateway,
} from '../support/gateway-comparison.ts';
import { PROFILE_FIELD } from '../support/gateway-queries.ts';
import { windowMs, type Scenario } from '../support/scenario.ts';
import { startService } from '../support/services.ts';
import { writeSupergraph } from '../support/supergraph.ts';
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
  ${PROFILE_FIELD}
  segments { name description }
}`;

type Target = 'pulsehub' | 'apollo' | 'hive';
/**
 * What PulseHub's gateway is compared with, in the report's order, and the ratios it must
 * reach as docs/performance.md sets them for the gateways alone (Hive's above the gateway
 * scenario's).
 */
const BASELINES = {
  apollo: { name: BASELINE_GATEWAYS.apollo.name, minRatio: 3.0 },
  hive: { name: BASELINE_GATEWAYS.hive.name, minRatio: 1.5 },
};

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
    const targetUrls: Record<Target, string> = {
      pulsehub: `${gateway.baseUrl}/graphql`,
      apollo: await startBaselineGateway(context, supergraph, 'apollo'),
      hive: await startBaselineGateway(context, supergraph, 'hive'),
    };
    const ids = Array.from({ length: profiles }, (_, index) => memoryProfileId(index));

    const order: Target[] = ['pulsehub', 'apollo', 'hive'];
    const { runs, checks } = await compareGateways({
      scenario: 'gateway-overhead',
      order,
      runs: options.runs,
      loop: { concurrency, ...window },
      operation: (target) => ({
        kind: 'graphql',
        url: targetUrls[target],
        query: OVERHEAD_QUERY,
        ids,
        headers: target === 'pulsehub' ? auth.gatewayHeaders : {},
      }),
      baselines: BASELINES,
      log,
    });
    // Shows that the subgraphs stayed negligible: nearly every answer came from memory.
    const served = (await (await fetch(`http://127.0.0.1:${subgraphsPort}/stats`)).json()) as {
      requests: number;
      executed: number;
    };
    log(`in-memory subgraphs: ${served.requests} requests, ${served.executed} executed`);
    return {
      settings: { concurrency, ...window, profiles, query: OVERHEAD_QUERY, runs: options.runs },
      runs,
      checks,
    };
  },
};

import { rm } from 'node:fs/promises';
import path from 'node:path';
import {
  BASELINE_GATEWAYS,
  compareGateways,
  startBaselineGateway,
} from '../support/gateway-comparison.ts';
import { PROFILE_FIELD } from '../support/gateway-queries.ts';
import type { EventPlan } from '../support/events.ts';
import { profileId } from '../support/events.ts';
import { windowMs, type Scenario } from '../support/scenario.ts';
import { seedProfiles } from '../support/seed.ts';
import { ALL_SERVICES, startScenarioSystem } from '../support/services.ts';
import { writeSupergraph } from '../support/supergraph.ts';
import type { HttpLoadSettings } from '../workers/http-load.ts';

const DEFAULT_CONCURRENCY = 10;
const DEFAULT_PROFILES = 1_000;
const EVENTS_PER_PROFILE = 5;

/** The query every gateway answers: a profile from the Profile subgraph and its activities. */
export const PROFILE_QUERY = `query Profile($id: ID!) {
  ${PROFILE_FIELD}
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
/** What PulseHub's gateway is compared with, in the report's order, and the ratios it must reach. */
const BASELINES = {
  hive: { name: BASELINE_GATEWAYS.hive.name, minRatio: 1.0 },
  apollo: { name: BASELINE_GATEWAYS.apollo.name, minRatio: 3.0 },
  // The end-to-end query keeps 85% of what the two subgraph requests cost made directly.
  subgraphs: { name: 'subgraphs directly', minRatio: 0.85 },
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
    const urls = {
      pulsehub: `${system.gatewayUrl}/graphql`,
      hive: await startBaselineGateway(context, supergraph, 'hive'),
      apollo: await startBaselineGateway(context, supergraph, 'apollo'),
    };
    const ids = Array.from({ length: profiles }, (_, index) => profileId(plan, index));

    const operation = (target: Target): HttpLoadSettings['operation'] =>
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
    const order: Target[] = ['pulsehub', 'hive', 'apollo', 'subgraphs'];
    const { runs, checks } = await compareGateways({
      scenario: 'gateway',
      order,
      runs: options.runs,
      loop: { concurrency, ...window },
      operation,
      baselines: BASELINES,
      log,
    });
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

// Identity resolution under kill -9: 1,000 people, each with two anonymous devices and a
// userId linked in the middle of their history, through ingest, while one of two processors
// is killed three times; then every person is one exact profile, and a rebuild from the
// archive gives the same profiles.
import { isDeepStrictEqual } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { benchAuth } from '../bench/support/auth.ts';
import { startService, type RunningService } from '../bench/support/services.ts';
import { startScenarioSystem, until } from '../chaos/setup.ts';
import type { ChaosContext } from '../chaos/scenario.ts';
import { loadServiceConfig } from '../config/client/load.ts';
import { connectRedis } from '../lib/redis.ts';
import { processorConfigSchema } from '../processor/config.ts';
import { rebuildProfiles } from '../processor/rebuild/rebuild-profiles.ts';
import { profileRulesFromConfig } from '../processor/rules.ts';
import { archiveProbe } from './support/archive.ts';
import { eventually } from './support/http.ts';
import {
  addToCounters,
  EVENTS_PER_PERSON,
  peopleEvents,
  personOf,
  type PersonCounters,
} from './support/identity-people.ts';
import { sendCallTraffic } from './support/identity-traffic.ts';
import {
  anonymousDocuments,
  apiMisanswers,
  canonicalProfiles,
  coldPathCaughtUp,
  misresolved,
  wrongCounters,
} from './support/identity-verify.ts';
import { deleteKeysWithPrefix } from './support/isolation.ts';
import { sandboxProfiles } from './support/profiles.ts';

const PEOPLE = 1_000;
const KILLS = [0.2, 0.45, 0.7]; // fractions of the load sent when the processor is killed
/** 20,000 events in about 50 s: long enough for three kills, each after the victim rejoined. */
const LOAD = { batchSize: 50, concurrency: 4, eventsPerSecond: 400, giveUpAfterMs: 60_000 };
const READY_WAIT_MS = 30_000;

async function isReady(service: RunningService): Promise<boolean> {
  const response = await fetch(`${service.baseUrl}/ready`).catch(() => undefined);
  await response?.body?.cancel();
  return response?.status === 200;
}

describe('identity chaos: merges across kill -9 of a processor', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it('keeps every person one exact profile, and the rebuild agrees', async () => {
    const context: ChaosContext = {
      size: 'short',
      infra: {
        kafkaBrokers: inject('kafkaBrokers'),
        redisUrl: inject('redisUrl'),
        databaseUrl: inject('databaseUrl'),
      },
      auth: await benchAuth(),
      log: (line) => console.log(`identity-chaos: ${line}`),
      defer: (cleanup) => cleanups.push(cleanup),
    };
    const { namespace, system, idPrefix } = await startScenarioSystem(context, { partitions: 6 });
    // The second member of the processor group: it takes the victim's partitions meanwhile.
    const second = await startService('processor', namespace, {
      env: { ...context.auth.serviceEnv, CONSUMER_GROUP_ID: `${namespace.id}-processor` },
    });
    context.defer(() => second.stop());

    const people = Array.from({ length: PEOPLE }, (_, p) => personOf(idPrefix, p));
    const events = peopleEvents(idPrefix, PEOPLE);
    expect(events).toHaveLength(PEOPLE * EVENTS_PER_PERSON);
    const traffic = sendCallTraffic(system.gatewayUrl, context.auth.ingestHeaders, events, LOAD);
    for (const fraction of KILLS) {
      await until(() => traffic.sent() >= fraction * events.length);
      const deadline = Date.now() + READY_WAIT_MS;
      await until(
        async () => Date.now() > deadline || (await isReady(system.service('processor'))),
      );
      await system.kill('processor');
      context.log(`kill -9 processor at ${traffic.sent()} events sent`);
      await system.restart('processor');
    }
    const { givenUp } = await traffic.done;
    expect(givenUp, 'events of batches never answered 200').toBe(0);
    expect(system.unexpectedExits.map((exit) => exit.lastOutput)).toEqual([]);

    const expected = new Map<string, PersonCounters>();
    for (const { p, call } of traffic.acknowledged) {
      const userId = personOf(idPrefix, p).userId;
      const counters = expected.get(userId) ?? { eventCount: 0, pageViews: 0, eventCounts: {} };
      addToCounters(counters, call);
      expected.set(userId, counters);
    }
    expect([...expected.values()].every((c) => c.eventCount === EVENTS_PER_PERSON)).toBe(true);

    const profiles = sandboxProfiles(namespace);
    context.defer(async () => profiles.close());
    await eventually(
      async () =>
        (await wrongCounters(profiles, people, expected)).length === 0 ? true : undefined,
      90_000,
      500,
    ).catch(() => undefined);
    expect((await wrongCounters(profiles, people, expected)).slice(0, 10)).toEqual([]);
    expect((await anonymousDocuments(profiles, people)).slice(0, 10)).toEqual([]);
    expect((await misresolved(profiles, people)).slice(0, 10)).toEqual([]);
    const graphqlUrl = `${system.gatewayUrl()}/graphql`;
    expect(
      (await apiMisanswers(graphqlUrl, context.auth.gatewayHeaders, people)).slice(0, 10),
    ).toEqual([]);

    // The cold path: every event archived once, every person's snapshot at Redis's version.
    const live = await canonicalProfiles(profiles, people);
    const versions = new Map(people.map((person, i) => [person.userId, live[i]?.version ?? -1]));
    const archive = archiveProbe(namespace);
    context.defer(() => archive.close());
    await eventually(
      async () =>
        (await coldPathCaughtUp(archive, `${idPrefix}-`, events.length, versions))
          ? true
          : undefined,
      90_000,
      500,
    );

    // Nothing may change Redis under the rebuild: both processors stop, then Redis is emptied.
    await system.kill('processor');
    await second.stop();
    await deleteKeysWithPrefix(namespace.redisUrl, namespace.keyPrefix);
    const pool = new pg.Pool({ connectionString: namespace.databaseUrl, max: 2 });
    const redis = connectRedis(namespace.redisUrl);
    context.defer(async () => {
      redis.disconnect();
      await pool.end();
    });
    const result = await rebuildProfiles({
      pool,
      redis,
      layout: profiles.layout,
      rules: profileRulesFromConfig(
        await loadServiceConfig('processor', processorConfigSchema, { env: {}, profiles: [] }),
      ),
    });
    expect(result).toMatchObject({ profiles: PEOPLE, written: PEOPLE, kept: 0 });
    expect(result.events).toBe(events.length);
    const rebuilt = await canonicalProfiles(profiles, people);
    const differing = people
      .map((person, i) => ({ person: person.userId, live: live[i], rebuilt: rebuilt[i] }))
      .filter((pair) => !isDeepStrictEqual(pair.rebuilt, pair.live));
    expect(differing.slice(0, 3), `${differing.length} of ${PEOPLE} people differ`).toEqual([]);
    expect((await anonymousDocuments(profiles, people)).slice(0, 10)).toEqual([]);
    expect((await misresolved(profiles, people)).slice(0, 10)).toEqual([]);
  }, 180_000);
});

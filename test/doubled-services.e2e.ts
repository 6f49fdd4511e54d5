// Every service runs twice, each instance its own process, as a scaled-out deployment would:
// the design says gateways and subgraphs are stateless and processors and archivers share the
// partitions in their consumer groups. Traffic, live subscriptions and a configuration change
// through both halves must give the same outcome as one copy of the system would.
import type { Client } from 'graphql-ws';
import type { KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveProbe, type ArchiveProbe } from './support/archive.ts';
import { bearer } from './support/auth.ts';
import { fetchEnvironment, setConfig } from './support/config.ts';
import { describeGroup } from './support/consumer-group.ts';
import {
  baseUrl,
  startDoubledSystem,
  type DoubledSystem,
  type Lane,
} from './support/doubled-system.ts';
import { countersDiffer, plannedTraffic } from './support/doubled-traffic.ts';
import { collect, metricValue, receivedAtLeast, wsClient } from './support/graphql-ws.ts';
import { eventually, graphql, sendSegment } from './support/http.ts';
import { createSandbox, type Sandbox } from './support/isolation.ts';
import { committedAndEnd, readTopic } from './support/kafka.ts';
import { appliedBy } from './support/processor.ts';
import { sandboxProfiles } from './support/profiles.ts';

const PARTITIONS = 6;
const USERS = 150;
const EVENTS_PER_USER = 5;
const BATCH_SIZE = 50;

interface Update {
  profileUpdated: { id: string; version: number; eventCount: number };
}
const PROFILE_SUBSCRIPTION = `subscription ($id: ID!) {
  profileUpdated(id: $id) { id version eventCount }
}`;

const graphqlUrl = (lane: Lane) => `${baseUrl(lane.gateway)}/graphql`;

/** The profile versions in the records of `id` on the changelog: one record per stored change. */
function changelogVersions(messages: KafkaMessage[], id: string): number[] {
  return messages
    .filter((message) => message.key?.toString('utf8') === id && message.value !== null)
    .map(
      (message) =>
        (JSON.parse(message.value?.toString('utf8') ?? '{}') as { profile: { version: number } })
          .profile.version,
    );
}

describe('every service doubled: two of each, one outcome', () => {
  let sandbox: Sandbox;
  let system: DoubledSystem;
  let profiles: ReturnType<typeof sandboxProfiles>;
  let archive: ArchiveProbe;
  let token: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    sandbox = await createSandbox({ partitions: PARTITIONS });
    profiles = sandboxProfiles(sandbox);
    archive = archiveProbe(sandbox);
    system = await startDoubledSystem(sandbox);
    token = await system.auth.token();
    // Both members of each group hold partitions before any traffic, so both take part.
    for (const groupId of Object.values(system.groups))
      await eventually(
        async () => {
          const group = await describeGroup(sandbox, groupId);
          const holding = group.members.filter((m) => Object.values(m.partitions).flat().length);
          return group.state === 'Stable' && holding.length === 2 ? true : undefined;
        },
        60_000,
        250,
      );
  }, 180_000);
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await system?.stop();
    profiles?.close();
    await archive?.close();
    await sandbox?.dispose();
  });

  it('counts and archives every event once and streams every version through both gateways', async () => {
    const [laneA] = system.lanes;
    const watched = `${sandbox.id}-watched`;
    const traffic = plannedTraffic(sandbox.id, {
      users: USERS,
      perUser: EVENTS_PER_USER,
      batchSize: BATCH_SIZE,
      watched,
    });

    expect((await sendSegment(baseUrl(laneA.gateway), 'track', traffic.opening)).status).toBe(200);
    await eventually(async () =>
      (await profiles.store.readMany([watched]))[0] ? true : undefined,
    );
    // One subscriber per gateway, so each streams from its own Profile subgraph instance.
    const streams = system.lanes.map((lane) => {
      const client = wsClient(graphqlUrl(lane), { token });
      clients.push(client);
      return collect<Update>(client, PROFILE_SUBSCRIPTION, { id: watched });
    });
    for (const stream of streams) await receivedAtLeast(stream, 1);

    for (const { lane, batch } of traffic.batches) {
      const response = await sendSegment(baseUrl(system.lanes[lane].gateway), 'batch', { batch });
      expect(response.status, await response.text()).toBe(200);
    }

    await eventually(
      async () => ((await countersDiffer(profiles, traffic.expected)).length ? undefined : true),
      90_000,
      500,
    ).catch(async (error: unknown) => {
      const wrong = await countersDiffer(profiles, traffic.expected);
      throw new Error(`${String(error)}\n${wrong.slice(0, 5).join('\n')}`);
    });
    // Drained: both groups committed every partition's end, duplicates included.
    for (const groupId of Object.values(system.groups))
      await eventually(
        async () => {
          const { committed, end } = await committedAndEnd(sandbox, groupId, sandbox.topics.events);
          return Object.entries(end).every(([p, offset]) => committed[Number(p)] === offset)
            ? true
            : undefined;
        },
        60_000,
        250,
      );
    expect(await archive.counts(`${sandbox.id}-`)).toEqual({
      rows: traffic.distinct,
      distinct: traffic.distinct,
    });

    // Both processors and both archivers did part of the work, and together exactly all of it.
    const applied = await Promise.all(system.lanes.map((lane) => appliedBy(lane.processor)));
    const skipped = await Promise.all(
      system.lanes.map((lane) =>
        metricValue(baseUrl(lane.processor), 'pulsehub_processor_events_unchanged_total'),
      ),
    );
    const inserted = await Promise.all(
      system.lanes.map((lane) =>
        metricValue(baseUrl(lane.archiver), 'pulsehub_archiver_events_inserted_total'),
      ),
    );
    console.log(
      `applied ${applied.join(' + ')}, duplicates skipped ${skipped.join(' + ')}, ` +
        `archived ${inserted.join(' + ')} of ${traffic.distinct} distinct (${traffic.duplicates} resent)`,
    );
    for (const counts of [applied, inserted]) {
      expect(counts.every((n) => n > 0)).toBe(true);
      expect(counts[0]! + counts[1]!).toBe(traffic.distinct);
    }
    expect(skipped[0]! + skipped[1]!).toBe(traffic.duplicates);

    // Each gateway's subscriber saw every stored change of the profile, in order: versions
    // count events, so a change of several events moves the version by several.
    const [stored] = await profiles.store.readMany([watched]);
    const finalVersion = stored?.profile.version ?? Number.NaN;
    const changes = changelogVersions(
      await readTopic(sandbox, sandbox.topics.changelog, (messages) =>
        changelogVersions(messages, watched).includes(finalVersion),
      ),
      watched,
    );
    for (const stream of streams) {
      await eventually(async () =>
        stream.data.at(-1)?.profileUpdated.version === finalVersion ? true : undefined,
      );
      const [initial, ...updates] = stream.data.map((m) => m.profileUpdated.version);
      expect(updates).toEqual(changes.filter((version) => version > (initial ?? 0)));
      expect(stream.errors).toEqual([]);
      expect(stream.data.at(-1)?.profileUpdated.eventCount).toBe(
        traffic.expected.get(watched)?.eventCount,
      );
    }
    console.log(
      `each subscriber saw ${streams.map((s) => s.data.length).join(' and ')} messages, ` +
        `${changes.length} changes up to version ${finalVersion}`,
    );

    // Each lane's Profile and Activity subgraph instances answer queries through their gateway.
    for (const lane of system.lanes) {
      const answer = await graphql<{
        profile: { eventCount: number; activities: { edges: unknown[] } } | null;
      }>(
        graphqlUrl(lane),
        'query ($id: ID!) { profile(id: $id) { eventCount activities(first: 100) { edges { cursor } } } }',
        { id: `${sandbox.id}-u0` },
        bearer(token),
      );
      expect(answer.errors).toBeUndefined();
      expect(answer.data?.profile).toMatchObject({ eventCount: EVENTS_PER_USER });
      expect(answer.data?.profile?.activities.edges).toHaveLength(EVENTS_PER_USER);
    }
  }, 180_000);

  it('a configuration change made through either config instance reaches every instance of every service', async () => {
    const [laneA, laneB] = system.lanes;
    const endpoint = (lane: Lane) => ({ graphqlUrl: graphqlUrl(lane), adminToken: token });

    // Shared settings, through gateway A and config #1: every service follows log.level live.
    const level = await setConfig(endpoint(laneA), {
      application: 'application',
      values: { log: { level: 'warn' } },
      message: 'Quieter logs everywhere',
    });
    expect(level).toMatchObject({ ok: true, changed: ['log.level'] });
    const version = level.version ?? '';
    const followers = system.instances().filter(({ name }) => !name.startsWith('config'));
    for (const { name, service } of followers)
      await eventually(async () => {
        const metrics = await (await fetch(`${baseUrl(service)}/metrics`)).text();
        const inForce = metrics
          .split('\n')
          .some(
            (line) =>
              line.startsWith('pulsehub_config_info{') &&
              line.includes(`version="${version}"`) &&
              line.includes('origin="config-service"') &&
              line.endsWith(' 1'),
          );
        const applied = service
          .output()
          .split('\n')
          .some(
            (line) =>
              line.includes('configuration change applied') &&
              line.includes(version) &&
              line.includes('"log.level"'),
          );
        return inForce && applied ? true : undefined;
      }, 10_000).catch((error: unknown) => {
        throw new Error(`${name}: ${String(error)}\n${service.output().slice(-2_000)}`);
      });
    // The config instances serve configuration rather than follow it: both serve the new one.
    for (const lane of system.lanes) {
      const response = await fetchEnvironment(
        { configUrl: baseUrl(lane.config), configAuth: system.configAuth },
        '/config/processor/default',
      );
      const environment = (await response.json()) as {
        version: string;
        propertySources: Array<{ source: Record<string, unknown> }>;
      };
      expect(environment.version).toBe(version);
      expect(environment.propertySources.map((s) => s.source['log.level'])).toContain('warn');
    }

    // A gateway setting, through gateway B and config #2: both gateways' ingest take the key.
    const key = `doubled-${sandbox.id}`;
    const track = (lane: Lane) =>
      sendSegment(
        baseUrl(lane.gateway),
        'track',
        { userId: `${sandbox.id}-keyed`, event: 'Keyed' },
        key,
      ).then((r) => r.status);
    expect([await track(laneA), await track(laneB)]).toEqual([401, 401]);
    const keys = await setConfig(endpoint(laneB), {
      application: 'gateway',
      values: { ingest: { writeKeys: ['dev-write-key', key] } },
      message: 'A write key for both gateways',
    });
    expect(keys).toMatchObject({ ok: true, changed: ['ingest.writeKeys'] });
    for (const lane of system.lanes)
      await eventually(async () => ((await track(lane)) === 200 ? true : undefined), 10_000);
  }, 120_000);
});

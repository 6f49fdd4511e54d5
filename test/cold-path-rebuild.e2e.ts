import { spawn } from 'node:child_process';
import { once } from 'node:events';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, type RedisClient } from '../lib/redis.ts';
import { createProfileStore, type ProfileStore } from '../profiles/profile-store.ts';
import { loadServiceConfig } from '../config/client/load.ts';
import { processorConfigSchema } from '../processor/config.ts';
import { rebuildProfiles, type RebuildProgress } from '../processor/rebuild/rebuild-profiles.ts';
import { profileRulesFromConfig } from '../processor/rules.ts';
import type { ActivityEvent } from '../schema/event.ts';
import type { StoredProfile } from '../schema/profile.ts';
import { redisLayout } from '../schema/redis-keys.ts';
import { archiveProbe, type ArchiveProbe } from './support/archive.ts';
import { eventually } from './support/http.ts';
import { REPO_ROOT } from './support/infra-settings.ts';
import { deleteKeysWithPrefix } from './support/isolation.ts';
import { syntheticEvents } from './support/event-stream.ts';
import { produceEvents } from './support/kafka.ts';
import { useSystem } from './support/use-system.ts';

const PROFILES = 60;
/** People whose events come under two anonymous ids and a userId, merged by the processor. */
const PERSONS = 4;

interface Person {
  userId: string;
  anon1: string;
  anon2: string;
}

/**
 * A person's story, in Kafka order per identifier: device 1 anonymous, sign-up (identify
 * userId + anon1), the account, device 2 anonymous, device 2 tied by a track with both ids,
 * then each identifier once more (those of merged ids apply to the canonical profile).
 */
function personEvents(person: Person, p: number, tag: string): ActivityEvent[] {
  const calls: Array<Partial<ActivityEvent> & { type: ActivityEvent['type'] }> = [
    { type: 'page', anonymousId: person.anon1, name: 'Home' },
    { type: 'track', anonymousId: person.anon1, event: 'Viewed' },
    { type: 'identify', userId: person.userId, anonymousId: person.anon1, traits: { person: p } },
    { type: 'track', userId: person.userId, event: 'Bought' },
    { type: 'track', anonymousId: person.anon2, event: 'Viewed' },
    { type: 'page', anonymousId: person.anon2, name: 'Pricing' },
    { type: 'track', userId: person.userId, anonymousId: person.anon2, event: 'Linked' },
    { type: 'track', anonymousId: person.anon1, event: 'Viewed' },
    { type: 'track', anonymousId: person.anon2, event: 'Viewed' },
    { type: 'track', userId: person.userId, event: 'Bought' },
  ];
  return calls.map((call, k) => {
    const at = new Date(Date.UTC(2026, 9, 2, 0, p, k)).toISOString();
    return { ...call, messageId: `${tag}-m${p}-${k}`, timestamp: at, receivedAt: at, sentAt: at };
  }) as ActivityEvent[];
}

/**
 * A merged person's stored profile with its messageId window as a set: the window holds the
 * order in which the processor applied the events, and the events of several identifiers are
 * on several partitions, whose interleaving is the processor's timing; the rebuild applies them
 * identifier by identifier. Within limits.messageIdWindow the order changes nothing. The
 * profile itself must be identical.
 */
function asSets(stored: StoredProfile | undefined) {
  if (stored === undefined) return undefined;
  return { ...stored, recentMessageIds: [...stored.recentMessageIds].sort() };
}

describe('cold path: Redis rebuilt from the archive', () => {
  const { sandbox, system } = useSystem({ partitions: 3 });
  let redis: RedisClient;
  let pool: pg.Pool;
  let store: ProfileStore;
  let archive: ArchiveProbe;
  let tag: string;
  let ids: string[];
  let before: Array<StoredProfile | undefined>;
  let persons: Person[];
  let personsBefore: Array<StoredProfile | undefined>;
  const layout = () => redisLayout(sandbox().keyPrefix);
  const readPersons = () => store.readMany(persons.map((person) => person.userId));
  // One GET per key, not MGET: on a cluster the identity keys lie in different slots.
  const identityKeys = () =>
    Promise.all(
      persons
        .flatMap((person) => [person.anon1, person.anon2].map(layout().identity))
        .map((key) => redis.get(key)),
    );

  const readAll = () => store.readMany(ids);
  const totalCount = (profiles: Array<StoredProfile | undefined>) =>
    profiles.reduce((sum, p) => sum + (p?.profile.eventCount ?? 0), 0);

  beforeAll(async () => {
    redis = connectRedis(sandbox().redisUrl, { enableAutoPipelining: true });
    pool = new pg.Pool({ connectionString: sandbox().databaseUrl, max: 2 });
    store = createProfileStore(redis, redisLayout(sandbox().keyPrefix));
    archive = archiveProbe(sandbox());
    tag = sandbox().id;
    ids = Array.from({ length: PROFILES }, (_, i) => `${tag}-p${i}`);

    // Every Segment call type, so the archive must give back each kind of event exactly.
    const events: ActivityEvent[] = syntheticEvents(0, 1_800, PROFILES, tag);
    ids.forEach((userId, i) => {
      const at = new Date(Date.UTC(2026, 9, 1, 0, 0, i)).toISOString();
      const common = { userId, timestamp: at, receivedAt: at, sentAt: at };
      events.push(
        { ...common, type: 'identify', messageId: `${tag}-i${i}`, traits: { plan: 'pro', i } },
        { ...common, type: 'page', messageId: `${tag}-pg${i}`, name: 'Home', category: 'Docs' },
        { ...common, type: 'group', messageId: `${tag}-g${i}`, groupId: `g${i % 4}` },
        { ...common, type: 'alias', messageId: `${tag}-a${i}`, previousId: `anon-${i}` },
      );
    });
    await produceEvents(sandbox(), events, 1_000);
    await eventually(
      async () => ((await archive.counts(tag)).rows === events.length ? true : undefined),
      120_000,
      200,
    );
    before = await eventually(async () => {
      const profiles = await readAll();
      return totalCount(profiles) === events.length ? profiles : undefined;
    }, 120_000);

    // Merged people through the real pipeline: the processor merges, the archiver snapshots.
    persons = Array.from({ length: PERSONS }, (_, p) => ({
      userId: `${tag}-m${p}-u`,
      anon1: `${tag}-m${p}-a1`,
      anon2: `${tag}-m${p}-a2`,
    }));
    const stories = persons.map((person, p) => personEvents(person, p, tag));
    // Phase by phase, so each link comes after the events it links (as a client sends them).
    for (const phase of [[0, 1], [2, 3], [4, 5], [6], [7, 8, 9]]) {
      await produceEvents(
        sandbox(),
        stories.flatMap((story) => phase.map((k) => story[k] as ActivityEvent)),
      );
      const applied = stories.length * ((phase.at(-1) ?? 0) + 1);
      await eventually(async () => {
        const counted = await store.readMany(
          persons.flatMap((person) => [person.userId, person.anon1, person.anon2]),
        );
        return totalCount(counted) === applied ? true : undefined;
      }, 120_000);
    }
    const personEventCount = stories[0]?.length ?? 0;
    personsBefore = await eventually(async () => {
      const profiles = await readPersons();
      return profiles.every(
        (stored) =>
          stored?.profile.eventCount === personEventCount && stored.profile.mergedFrom.length === 2,
      )
        ? profiles
        : undefined;
    }, 120_000);
    // The rebuild's identity graph: each person's snapshot, as the live profile is now.
    await eventually(async () => {
      const rows = await archive.query<{ version: number }>(
        'select version from profiles where profile_id = any($1::text[])',
        [persons.map((person) => person.userId)],
      );
      const versions = personsBefore.map((stored) => stored?.profile.version);
      return rows.length === PERSONS && rows.every((row) => versions.includes(Number(row.version)))
        ? true
        : undefined;
    }, 120_000);
    await eventually(
      async () =>
        (await archive.counts(tag)).rows === events.length + PERSONS * personEventCount
          ? true
          : undefined,
      120_000,
      200,
    );
  });
  afterAll(async () => {
    redis?.disconnect();
    await pool?.end();
    await archive?.close();
  });

  it('recomputes every profile exactly as it was after the sandbox keys are deleted', async () => {
    await deleteKeysWithPrefix(sandbox().redisUrl, sandbox().keyPrefix);
    expect(totalCount(await readAll())).toBe(0);

    const progress: RebuildProgress[] = [];
    const result = await rebuildProfiles({
      pool,
      redis,
      layout: redisLayout(sandbox().keyPrefix),
      rules: profileRulesFromConfig(
        await loadServiceConfig('processor', processorConfigSchema, { env: {}, profiles: [] }),
      ),
      fetchSize: 500,
      onProgress: (p) => progress.push(p),
      progressIntervalMs: 0,
    });
    expect(result).toMatchObject({
      profiles: PROFILES + PERSONS,
      written: PROFILES + PERSONS,
      kept: 0,
    });
    expect(result.events).toBe(totalCount(before) + totalCount(personsBefore));
    expect(progress.length).toBeGreaterThan(1);
    expect(await readAll()).toEqual(before);
  });

  it('rebuilds each merged person as one profile, with its identity keys', async () => {
    const rebuilt = await readPersons();
    expect(rebuilt.map(asSets)).toEqual(personsBefore.map(asSets));
    expect(rebuilt[0]?.profile.identifiers).toEqual(
      [persons[0]?.anon1, persons[0]?.anon2, persons[0]?.userId].sort(),
    );
    expect(await identityKeys()).toEqual(
      persons.flatMap((person) => [person.userId, person.userId]),
    );
    // Merged-away identifiers have no profile of their own.
    expect(await store.readMany(persons.flatMap((person) => [person.anon1, person.anon2]))).toEqual(
      Array(2 * PERSONS).fill(undefined),
    );
  });

  it("serves a person's activities of every identifier, by any identifier", async () => {
    const person = persons[0] as Person;
    type Page = {
      edges: Array<{ node: { id: string; profileId: string } }>;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
    const PROFILE_ACTIVITIES = `query ($id: ID!, $after: String) {
      profile(id: $id) {
        id
        activities(first: 3, after: $after) {
          edges { node { id profileId } } pageInfo { hasNextPage endCursor }
        }
        activitySummary { total }
      }
    }`;
    const nodes: Array<{ id: string; profileId: string }> = [];
    let after: string | null = null;
    let total: number | undefined;
    for (let page = 0; page < 10; page++) {
      const answer = await system().query<{
        profile: { id: string; activities: Page; activitySummary: { total: number } };
      }>(PROFILE_ACTIVITIES, { id: person.anon1, after });
      expect(answer.errors).toBeUndefined();
      expect(answer.data?.profile.id).toBe(person.userId);
      total = answer.data?.profile.activitySummary.total;
      const activities = answer.data?.profile.activities as Page;
      nodes.push(...activities.edges.map((edge) => edge.node));
      if (!activities.pageInfo.hasNextPage) break;
      after = activities.pageInfo.endCursor;
    }
    // Newest first across the three identifiers' events, each once, over four pages.
    const story = personEvents(person, 0, tag);
    expect(nodes.map((node) => node.id)).toEqual(story.map((e) => e.messageId).reverse());
    expect(new Set(nodes.map((node) => node.profileId))).toEqual(
      new Set([person.userId, person.anon1, person.anon2]),
    );
    expect(total).toBe(story.length);

    // The root query by a merged-away identifier lists the same person's events.
    const root = await system().query<{ activities: Page }>(
      `query ($id: ID!) { activities(filter: { profileId: $id }, first: 100) {
        edges { node { id profileId } } pageInfo { hasNextPage endCursor } } }`,
      { id: person.anon2 },
    );
    expect(root.errors).toBeUndefined();
    expect(root.data?.activities.edges.map((edge) => edge.node.id)).toEqual(
      nodes.map((node) => node.id),
    );
  });

  it('rebuilds only the named profiles with the real script, a person by any identifier', async () => {
    const named = [ids[3], ids[7]] as string[];
    const person = persons[1] as Person;
    await Promise.all(
      [
        ...[...named, person.userId].map((id) => layout().profile(id)),
        ...[person.anon1, person.anon2].map((id) => layout().identity(id)),
      ].map((key) => redis.del(key)),
    );
    // The person named by its second device's anonymous id.
    const selection = [...named, person.anon2].join(',');
    const child = spawn('npm', ['run', 'rebuild-profiles', '--', '--profiles', selection], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        PULSEHUB_PROFILES: '',
        REDIS_URL: sandbox().redisUrl,
        REDIS_KEY_PREFIX: sandbox().keyPrefix,
        DATABASE_URL: sandbox().databaseUrl,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code, output).toBe(0);
    expect(output).toMatch(
      /rebuild: [\d,]+\/[\d,]+ events \(100%\), 3 profiles, 3 written, 0 kept/,
    );
    expect(await readAll()).toEqual(before);
    expect((await readPersons()).map(asSets)).toEqual(personsBefore.map(asSets));
    expect(await identityKeys()).toEqual(persons.flatMap((p) => [p.userId, p.userId]));
  });

  it('lets the processor continue after the rebuild, counting new events once', async () => {
    const next = syntheticEvents(1_000_000, PROFILES, PROFILES, tag);
    await produceEvents(sandbox(), next);
    const expected = before.map((stored) => (stored?.profile.eventCount ?? 0) + 1);
    const after = await eventually(async () => {
      const profiles = await readAll();
      return profiles.every((p, i) => p?.profile.eventCount === expected[i]) ? profiles : undefined;
    }, 120_000);
    expect(after.map((p) => p?.profile.version)).toEqual(
      before.map((p) => (p?.profile.version ?? 0) + 1),
    );
    // An event of a merged-away identifier counts once, on its person's rebuilt profile.
    const person = persons[2] as Person;
    const at = new Date(Date.UTC(2026, 9, 3)).toISOString();
    await produceEvents(sandbox(), [
      {
        type: 'track',
        anonymousId: person.anon1,
        event: 'Came Back',
        messageId: `${tag}-back`,
        timestamp: at,
        receivedAt: at,
        sentAt: at,
      } as ActivityEvent,
    ]);
    const personBefore = personsBefore[2]?.profile;
    const rebuiltPerson = await eventually(async () => {
      const [stored] = await store.readMany([person.userId]);
      return stored?.profile.eventCount === (personBefore?.eventCount ?? 0) + 1
        ? stored
        : undefined;
    }, 120_000);
    expect(rebuiltPerson.profile.version).toBe((personBefore?.version ?? 0) + 1);
    expect(await store.readMany([person.anon1])).toEqual([undefined]);
    // The archive agrees: every profile's count is its number of archived events.
    await eventually(async () =>
      (await archive.counts(tag)).rows === totalCount(after) + totalCount(personsBefore) + 1
        ? true
        : undefined,
    );
  });
});

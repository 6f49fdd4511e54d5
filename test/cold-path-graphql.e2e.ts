import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, type RedisClient } from '../lib/redis.ts';
import type { ActivityEvent } from '../schema/event.ts';
import { parseChangelogKey } from '../profiles/changelog-keys.ts';
import { RING_SLOTS } from '../profiles/message-id-ring.ts';
import { storedDocument, type StoredProfile } from '../schema/profile.ts';
import { redisLayout, type RedisLayout } from '../schema/redis-keys.ts';
import { archiveProbe, type ArchiveProbe } from './support/archive.ts';
import { eventually } from './support/http.ts';
import { syntheticEvents } from './support/event-stream.ts';
import { produceEvents, produceRaw, readTopic } from './support/kafka.ts';
import { storedSnapshot } from './support/profiles.ts';
import { segmentMembersIn } from './support/segment-members.ts';
import { useSystem } from './support/use-system.ts';

interface Page {
  edges: Array<{ cursor: string; node: { id: string; timestamp: string } }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const ACTIVITIES = `query ($id: ID!, $first: Int!, $after: String) {
  profile(id: $id) { activities(first: $first, after: $after) {
    edges { cursor node { id timestamp } } pageInfo { hasNextPage endCursor } } } }`;

describe('cold path through GraphQL: activities, snapshot fallback, deletion', () => {
  const { sandbox, system } = useSystem({ partitions: 3 });
  let archive: ArchiveProbe;
  let redis: RedisClient;
  let layout: RedisLayout;

  const activitiesPage = async (id: string, first: number, after?: string | null) => {
    const answer = await system().query<{ profile: { activities: Page } | null }>(ACTIVITIES, {
      id,
      first,
      after: after ?? null,
    });
    expect(answer.errors).toBeUndefined();
    return answer.data?.profile?.activities as Page;
  };
  const snapshotRow = async (id: string) =>
    (
      await archive.query<{ version: number; snapshot: StoredProfile }>(
        'select version::int as version, snapshot from profiles where profile_id = $1',
        [id],
      )
    )[0];

  beforeAll(async () => {
    archive = archiveProbe(sandbox());
    redis = connectRedis(sandbox().redisUrl);
    layout = redisLayout(sandbox().keyPrefix);
  });
  afterAll(async () => {
    redis?.disconnect();
    await archive?.close();
  });

  it('pages through a profile’s activities newest first with stable cursors', async () => {
    const id = `${sandbox().id}-pager`;
    // 23 events over two months (two partitions of the table), in runs of three equal
    // timestamps so the message id has to break ties.
    const events: ActivityEvent[] = Array.from({ length: 23 }, (_, n) => {
      const at = new Date(Date.UTC(2026, 9, 31, 23, 59, 50) + Math.floor(n / 3) * 4_000);
      const timestamp = at.toISOString();
      return {
        type: 'track',
        event: `e${n}`,
        userId: id,
        messageId: `${id}-m${String(n).padStart(2, '0')}`,
        timestamp,
        receivedAt: timestamp,
      };
    });
    await produceEvents(sandbox(), events);
    await eventually(async () => ((await archive.counts(id)).rows === 23 ? true : undefined));
    const expected = [...events]
      .sort((a, b) =>
        a.timestamp === b.timestamp
          ? b.messageId.localeCompare(a.messageId)
          : b.timestamp.localeCompare(a.timestamp),
      )
      .map((e) => e.messageId);

    const pages: Page[] = [];
    let after: string | null = null;
    do {
      const page = await activitiesPage(id, 5, after);
      pages.push(page);
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after !== null);
    expect(pages.map((p) => p.edges.length)).toEqual([5, 5, 5, 5, 3]);
    expect(pages.flatMap((p) => p.edges.map((e) => e.node.id))).toEqual(expected);
    expect(pages.at(-1)?.pageInfo.hasNextPage).toBe(false);

    // Newer events arrive: the pages after a cursor the client holds stay the same.
    const held = pages[1]?.pageInfo.endCursor as string;
    const newer = syntheticEvents(0, 4, 1, id).map((e, n) => {
      const timestamp = new Date(Date.UTC(2026, 11, 1, 0, 0, n)).toISOString();
      return { ...e, userId: id, timestamp, receivedAt: timestamp };
    });
    await produceEvents(sandbox(), newer);
    await eventually(async () => ((await archive.counts(id)).rows === 27 ? true : undefined));
    expect(await activitiesPage(id, 5, held)).toEqual(pages[2]);
    const first = await activitiesPage(id, 5);
    expect(first.edges.map((e) => e.node.id)).not.toEqual(pages[0]?.edges.map((e) => e.node.id));

    const bad = await system().query(ACTIVITIES, { id, first: 5, after: 'nope' });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('keeps the newest snapshot per profile from the changelog and deletes on a tombstone', async () => {
    const kept = `${sandbox().id}-snap`;
    const gone = `${sandbox().id}-gone`;
    await produceRaw(sandbox(), sandbox().topics.changelog, [
      { key: kept, value: JSON.stringify(storedSnapshot(kept, 1)) },
      { key: gone, value: JSON.stringify(storedSnapshot(gone, 1)) },
      { key: kept, value: JSON.stringify(storedSnapshot(kept, 3)) },
    ]);
    await eventually(async () => ((await snapshotRow(kept))?.version === 3 ? true : undefined));
    // An older snapshot replayed later never moves the row back.
    await produceRaw(sandbox(), sandbox().topics.changelog, [
      { key: kept, value: JSON.stringify(storedSnapshot(kept, 2)) },
      { key: gone, value: null },
    ]);
    await eventually(async () => ((await snapshotRow(gone)) === undefined ? true : undefined));
    expect(await snapshotRow(kept)).toEqual({ version: 3, snapshot: storedSnapshot(kept, 3) });
  });

  it('serves a profile missing from Redis from its snapshot and re-warms Redis', async () => {
    const id = `${sandbox().id}-snap`;
    expect(await redis.exists(layout.profile(id))).toBe(0);
    const answer = await system().query<{
      profile: { id: string; eventCount: number; version: number };
    }>('query ($id: ID!) { profile(id: $id) { id eventCount version } }', { id });
    expect(answer).toEqual({ data: { profile: { id, eventCount: 3, version: 3 } } });
    expect(JSON.parse((await redis.hget(layout.profile(id), 'doc')) ?? 'null')).toEqual(
      JSON.parse(storedDocument(storedSnapshot(id, 3))),
    );
    expect(await redis.hget(layout.profile(id), 'version')).toBe('3');
  });

  it('deletes a profile from Redis, PostgreSQL and the changelog', async () => {
    const id = `${sandbox().id}-erase`;
    const other = `${sandbox().id}-stays`;
    const events = [
      ...syntheticEvents(0, 5, 1, id).map((e) => ({ ...e, userId: id })),
      ...syntheticEvents(0, 2, 1, other).map((e) => ({ ...e, userId: other })),
    ];
    await produceEvents(sandbox(), events);
    await produceRaw(sandbox(), sandbox().topics.changelog, [
      { key: id, value: JSON.stringify(storedSnapshot(id, 5, { segments: ['vip'] })) },
    ]);
    await Promise.all(
      [id, other].map((each) => redis.sadd(layout.segmentMembersOf('vip', each), each)),
    );
    await eventually(async () => ((await snapshotRow(id)) ? true : undefined));
    await eventually(async () => ((await archive.counts(id)).rows === 5 ? true : undefined));
    await eventually(async () =>
      (await redis.exists(layout.profile(id))) === 1 ? true : undefined,
    );

    const mutation = `mutation ($id: ID!) { deleteProfile(id: $id) {
      ok id removedLive removedSnapshot deletedEvents error { code message } } }`;
    const answer = await system().query(mutation, { id });
    expect(answer).toEqual({
      data: {
        deleteProfile: {
          ok: true,
          id,
          removedLive: true,
          removedSnapshot: true,
          deletedEvents: 5,
          error: null,
        },
      },
    });
    expect(await redis.exists(layout.profile(id))).toBe(0);
    expect(await segmentMembersIn(redis, layout, 'vip')).toEqual([other]);
    expect((await archive.counts(id)).rows).toBe(0);
    expect(await archive.query('select 1 from event_keys where profile_id = $1', [id])).toEqual([]);
    expect((await archive.counts(other)).rows).toBe(2);
    expect(await snapshotRow(id)).toBeUndefined();
    // The profile's last changelog record is its tombstone (read until it has arrived: the
    // processor's snapshots of this and other profiles come before it in any number).
    const lastOf = (messages: Awaited<ReturnType<typeof readTopic>>) =>
      messages.filter((m) => m.key?.toString() === id).at(-1);
    const changelog = await readTopic(
      sandbox(),
      sandbox().topics.changelog,
      (m) => lastOf(m)?.value === null,
    );
    expect(lastOf(changelog)?.value).toBeNull();
    // So is every slot's of its dedupe window (ADR 0014): nothing of it stays after compaction.
    const slots = new Map<string, Buffer | null>();
    for (const m of changelog) {
      const key = m.key?.toString() ?? '';
      const { id: owner, slot } = parseChangelogKey(key);
      if (owner === id && slot !== undefined) slots.set(key, m.value);
    }
    expect(slots.size).toBe(RING_SLOTS);
    expect([...slots.values()].every((value) => value === null)).toBe(true);
    const profile = await system().query('{ profile(id: "x") { id } }'.replace('x', id));
    expect(profile).toEqual({ data: { profile: null } });

    // Again: nothing left, still ok. A blank id is refused as data, not as an error.
    expect((await system().query(mutation, { id })).data).toMatchObject({
      deleteProfile: { ok: true, removedLive: false, removedSnapshot: false, deletedEvents: 0 },
    });
    expect((await system().query(mutation, { id: ' ' })).data).toMatchObject({
      deleteProfile: { ok: false, error: { code: 'INVALID_ID' } },
    });
  });
});

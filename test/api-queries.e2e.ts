import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, type RedisClient } from '../lib/redis.ts';
import { redisLayout } from '../schema/redis-keys.ts';
import { eventually, sendSegment, type graphql } from './support/http.ts';
import { useSystem } from './support/use-system.ts';

interface Edge<T> {
  cursor: string;
  node: T;
}
interface Connection<T> {
  edges: Array<Edge<T>>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/**
 * Every query of the Profile and Activity subgraphs through the gateway, on data that went the
 * real way: Segment HTTP ingest -> Kafka -> processor (Redis) and archiver (PostgreSQL).
 */
describe('federated API queries on real data', () => {
  const { sandbox, system } = useSystem();
  let redis: RedisClient;
  let alice: string;
  let bob: string;
  let crowd: string[];

  const aliceEvents = [
    { type: 'track', event: 'Signed Up', timestamp: '2026-03-02T10:05:00.000Z' },
    { type: 'page', name: 'Pricing', timestamp: '2026-03-02T10:20:00.000Z' },
    { type: 'track', event: 'Purchased', timestamp: '2026-03-02T11:10:00.000Z' },
    { type: 'track', event: 'Purchased', timestamp: '2026-03-02T12:40:00.000Z' },
    { type: 'identify', traits: { plan: 'pro' }, timestamp: '2026-03-02T12:50:00.000Z' },
  ];

  beforeAll(async () => {
    redis = connectRedis(sandbox().redisUrl, { enableAutoPipelining: true });
    alice = `alice-${sandbox().id}`;
    bob = `bob-${sandbox().id}`;
    crowd = Array.from({ length: 150 }, (_, i) => `crowd-${i}-${sandbox().id}`);
    for (const { type, ...event } of aliceEvents) {
      const response = await sendSegment(system().gatewayUrl, type, { userId: alice, ...event });
      expect(response.status).toBe(200);
    }
    await sendSegment(system().gatewayUrl, 'track', {
      userId: bob,
      event: 'Signed Up',
      timestamp: '2026-03-02T10:30:00.000Z',
    });
    const batch = crowd.map((userId) => ({ type: 'track', userId, event: 'Visited' }));
    expect((await sendSegment(system().gatewayUrl, 'batch', { batch })).status).toBe(200);
    // Both paths caught up: every profile in Redis, every event in PostgreSQL.
    await eventually(async () => {
      const answer = await system().query<{ profiles: Array<{ eventCount: number } | null> }>(
        'query ($ids: [ID!]!) { profiles(ids: $ids) { eventCount } }',
        { ids: [alice, bob, ...crowd.slice(0, 98)] },
      );
      const counts = answer.data?.profiles.map((p) => p?.eventCount ?? 0) ?? [];
      const archived = await system().query<{ activities: Connection<unknown> }>(
        '{ activities(first: 100, filter: { name: "Visited" }) { edges { cursor } } }',
      );
      return counts[0] === 5 &&
        counts.every((c) => c > 0) &&
        archived.data?.activities.edges.length === 100
        ? true
        : undefined;
    }, 60_000);
    const all = await eventually(async () => {
      const answer = await system().query<{ profiles: Array<{ id: string } | null> }>(
        'query ($ids: [ID!]!) { profiles(ids: $ids) { id } }',
        { ids: crowd.slice(98) },
      );
      return answer.data?.profiles.every((p) => p !== null) ? true : undefined;
    }, 60_000);
    expect(all).toBe(true);
  });

  afterAll(async () => {
    redis?.disconnect();
  });

  it('profile(id) returns every field of the profile model', async () => {
    const answer = await system().query(
      `query ($id: ID!) { profile(id: $id) { id userId anonymousIds traits device { type os browser }
         firstSeenAt lastSeenAt eventCount pageViews eventCounts { name count } sessionCount
         segments version updatedAt } }`,
      { id: alice },
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.['profile']).toMatchObject({
      id: alice,
      userId: alice,
      eventCount: 5,
      firstSeenAt: '2026-03-02T10:05:00.000Z',
      lastSeenAt: '2026-03-02T12:50:00.000Z',
      version: 5,
    });
    expect(await system().query('{ profile(id: "nobody") { id } }')).toEqual({
      data: { profile: null },
    });
  });

  it('profiles(ids) answers in the order asked, null where none exists, and bounds the list', async () => {
    const answer = await system().query<{ profiles: Array<{ id: string } | null> }>(
      'query ($ids: [ID!]!) { profiles(ids: $ids) { id } }',
      { ids: [bob, 'nobody', alice] },
    );
    expect(answer).toEqual({ data: { profiles: [{ id: bob }, null, { id: alice }] } });
    const tooMany = await system().query('query ($ids: [ID!]!) { profiles(ids: $ids) { id } }', {
      ids: Array.from({ length: 101 }, (_, i) => `p${i}`),
    });
    expect(tooMany.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('segment(name) gives the size and pages through every member exactly once', async () => {
    const layout = redisLayout(sandbox().keyPrefix);
    // Membership comes from the processor's segment rules; here the set is filled directly.
    const join = (segment: string, ids: string[]) =>
      Promise.all(ids.map((id) => redis.sadd(layout.segmentMembersOf(segment, id), id)));
    await join('big', [...crowd, 'deleted-profile']);
    await join('small', [alice, bob]);
    const query = `query ($name: String!, $after: String) { segment(name: $name) { name size
      members(first: 40, after: $after) { edges { cursor node { id eventCount } }
      pageInfo { hasNextPage endCursor } } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const answer: Awaited<
        ReturnType<
          typeof graphql<{
            segment: {
              name: string;
              size: number;
              members: Connection<{ id: string; eventCount: number }>;
            };
          }>
        >
      > = await system().query(query, { name: 'big', after });
      expect(answer.errors).toBeUndefined();
      const segment = answer.data!.segment;
      expect(segment).toMatchObject({ name: 'big', size: 151 });
      expect(segment.members.edges.length).toBeLessThanOrEqual(40);
      for (const edge of segment.members.edges) {
        expect(edge.node.eventCount).toBe(1);
        seen.push(edge.node.id);
      }
      pages += 1;
      if (!segment.members.pageInfo.hasNextPage) break;
      after = segment.members.pageInfo.endCursor;
    }
    // The member without a profile is left out; nobody twice.
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.sort()).toEqual([...crowd].sort());
    expect(pages).toBeGreaterThanOrEqual(4);

    const small = await system().query(
      '{ segment(name: "small") { size members(first: 1) { edges { node { id } } pageInfo { hasNextPage } } } }',
    );
    expect(small.data?.['segment']).toMatchObject({
      size: 2,
      members: { pageInfo: { hasNextPage: true } },
    });
    // Members are Profile entities: fields of the Activity subgraph resolve on them too.
    const federated = await system().query<{
      segment: { members: Connection<{ id: string; activitySummary: { total: number } }> };
    }>(
      '{ segment(name: "small") { members(first: 10) { edges { node { id activitySummary { total } } } } } }',
    );
    expect(
      federated.data?.segment.members.edges
        .map((e) => [e.node.id, e.node.activitySummary.total])
        .sort(),
    ).toEqual(
      [
        [alice, 5],
        [bob, 1],
      ].sort(),
    );
    expect(
      await system().query(
        '{ segment(name: "nobody-here") { name size members { edges { cursor } } } }',
      ),
    ).toEqual({
      data: { segment: { name: 'nobody-here', size: 0, members: { edges: [] } } },
    });
  });

  it('Profile.activities pages newest first and filters by type and name', async () => {
    const query = `query ($id: ID!, $after: String, $type: String, $name: String) { profile(id: $id) {
      activities(first: 2, after: $after, type: $type, name: $name) {
        edges { cursor node { id profileId type name timestamp } } pageInfo { hasNextPage endCursor } } } }`;
    type Answer = {
      profile: { activities: Connection<{ type: string; name: string | null; timestamp: string }> };
    };
    const first = await system().query<Answer>(query, { id: alice });
    const page1 = first.data!.profile.activities;
    expect(page1.edges.map((e) => e.node.timestamp)).toEqual([
      '2026-03-02T12:50:00.000Z',
      '2026-03-02T12:40:00.000Z',
    ]);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const second = await system().query<Answer>(query, {
      id: alice,
      after: page1.pageInfo.endCursor,
    });
    expect(second.data!.profile.activities.edges.map((e) => e.node.name)).toEqual([
      'Purchased',
      'Pricing',
    ]);
    const purchases = await system().query<Answer>(query, {
      id: alice,
      type: 'track',
      name: 'Purchased',
    });
    expect(purchases.data!.profile.activities.edges.map((e) => e.node.timestamp)).toEqual([
      '2026-03-02T12:40:00.000Z',
      '2026-03-02T11:10:00.000Z',
    ]);
    expect(purchases.data!.profile.activities.pageInfo.hasNextPage).toBe(false);
    const pages = await system().query<Answer>(query, { id: alice, type: 'page' });
    expect(pages.data!.profile.activities.edges.map((e) => e.node.name)).toEqual(['Pricing']);
    const badType = await system().query(query, { id: alice, type: 'click' });
    expect(badType.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('Profile.activitySummary counts per type and name, optionally since a time', async () => {
    const query = `query ($id: ID!, $since: DateTime) { profile(id: $id) { activitySummary(since: $since) {
      total firstAt lastAt byType { type count } byName { name count } } } }`;
    const all = await system().query(query, { id: alice });
    expect(all.data?.['profile']).toEqual({
      activitySummary: {
        total: 5,
        firstAt: '2026-03-02T10:05:00.000Z',
        lastAt: '2026-03-02T12:50:00.000Z',
        byType: [
          { type: 'track', count: 3 },
          { type: 'identify', count: 1 },
          { type: 'page', count: 1 },
        ],
        byName: [
          { name: 'Purchased', count: 2 },
          { name: 'Pricing', count: 1 },
          { name: 'Signed Up', count: 1 },
        ],
      },
    });
    const since = await system().query(query, { id: alice, since: '2026-03-02T11:00:00Z' });
    expect(since.data?.['profile']).toMatchObject({
      activitySummary: { total: 3, byName: [{ name: 'Purchased', count: 2 }] },
    });
  });

  it('Query.activities filters across profiles and pages with cursors', async () => {
    const query = `query ($filter: ActivityFilter, $after: String) { activities(filter: $filter, first: 1, after: $after) {
      edges { node { profileId name timestamp } } pageInfo { hasNextPage endCursor } } }`;
    type Answer = {
      activities: Connection<{ profileId: string; name: string; timestamp: string }>;
    };
    const signUps: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 3; page += 1) {
      const answer: Awaited<ReturnType<typeof graphql<Answer>>> = await system().query<Answer>(
        query,
        {
          filter: { name: 'Signed Up' },
          after,
        },
      );
      signUps.push(...answer.data!.activities.edges.map((e) => e.node.profileId));
      if (!answer.data!.activities.pageInfo.hasNextPage) break;
      after = answer.data!.activities.pageInfo.endCursor;
    }
    expect(signUps).toEqual([bob, alice]);
    const window = await system().query<Answer>(
      '{ activities(first: 10, filter: { since: "2026-03-02T10:10:00Z", until: "2026-03-02T12:00:00Z" }) { edges { node { profileId name timestamp } } } }',
    );
    expect(window.data!.activities.edges.map((e) => e.node.name)).toEqual([
      'Purchased',
      'Signed Up',
      'Pricing',
    ]);
  });

  it('eventVolume buckets events per interval, empty buckets as zero', async () => {
    const hourly = await system().query(
      '{ eventVolume(interval: HOUR, from: "2026-03-02T09:30:00Z", to: "2026-03-02T13:00:00Z") { start count } }',
    );
    expect(hourly).toEqual({
      data: {
        eventVolume: [
          { start: '2026-03-02T09:00:00.000Z', count: 0 },
          { start: '2026-03-02T10:00:00.000Z', count: 3 },
          { start: '2026-03-02T11:00:00.000Z', count: 1 },
          { start: '2026-03-02T12:00:00.000Z', count: 2 },
        ],
      },
    });
    const tracks = await system().query(
      '{ eventVolume(interval: DAY, from: "2026-03-01T00:00:00Z", to: "2026-03-03T00:00:00Z", type: "track", name: "Purchased") { start count } }',
    );
    expect(tracks.data?.['eventVolume']).toEqual([
      { start: '2026-03-01T00:00:00.000Z', count: 0 },
      { start: '2026-03-02T00:00:00.000Z', count: 2 },
    ]);
    const tooMany = await system().query(
      '{ eventVolume(interval: MINUTE, from: "2026-01-01T00:00:00Z", to: "2026-03-01T00:00:00Z") { count } }',
    );
    expect(tooMany.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('forwards the caller to the subgraphs (viewer)', async () => {
    const token = await system().auth.token(['profiles:read', 'activities:read'], {
      subject: 'dashboard',
    });
    expect(await system().query('{ viewer { subject scopes } }', {}, token)).toEqual({
      data: { viewer: { subject: 'dashboard', scopes: ['activities:read', 'profiles:read'] } },
    });
  });
});

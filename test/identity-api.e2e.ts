import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopService } from '../lib/service.ts';
import type { StoredProfile } from '../schema/profile.ts';
import type { ProfileChange } from '../schema/profile-change.ts';
import { archiveProbe, type ArchiveProbe } from './support/archive.ts';
import { collect, receivedAtLeast, wsClient } from './support/graphql-ws.ts';
import { eventually, sendSegment } from './support/http.ts';
import { sandboxProfiles, storedSnapshot } from './support/profiles.ts';
import { segmentMembersIn } from './support/segment-members.ts';
import { useSystem } from './support/use-system.ts';

interface Seen {
  id: string;
  version: number;
  identifiers: string[];
  mergedFrom: string[];
}
const FIELDS = 'id version identifiers mergedFrom';

describe('the Profile subgraph answers persons, whichever identifier is asked', () => {
  const { sandbox, system } = useSystem();
  let profiles: ReturnType<typeof sandboxProfiles>;
  let archive: ArchiveProbe;
  const clients: Client[] = [];
  let person: { user: string; anon: string; other: string };

  /** Stores a canonical profile as the processor's merge step leaves it, and announces it. */
  async function storeCanonical(stored: StoredProfile, merged?: { id: string; version: number }) {
    const { redis, layout } = profiles;
    const id = stored.profile.id;
    // Each key is in its own slot: the writes go together, then the announcements, as the
    // merge's steps leave them (profiles/person-locks.ts).
    await Promise.all([
      merged ? redis.unlink(layout.profile(merged.id)) : undefined,
      ...stored.profile.identifiers
        .filter((identifier) => identifier !== id)
        .map((identifier) => redis.set(layout.identity(identifier), id)),
      redis.hset(
        layout.profile(id),
        'version',
        stored.profile.version,
        'doc',
        JSON.stringify(stored),
      ),
    ]);
    const announce = async (change: ProfileChange) => {
      await redis.spublish(layout.profileChannel(change.id), JSON.stringify(change));
      await redis.publish(layout.allProfilesChannel, JSON.stringify(change));
    };
    if (merged)
      await announce({
        id: merged.id,
        version: merged.version + 1,
        segments: { entered: [], left: [] },
        mergedInto: id,
      });
    await announce({ id, version: stored.profile.version, segments: { entered: [], left: [] } });
  }

  const canonicalOf = (version: number, identifiers: string[], mergedFrom: string[]) => ({
    ...storedSnapshot(person.user, version, {
      identifiers: [...identifiers].sort(),
      mergedFrom: [...mergedFrom].sort(),
      anonymousIds: identifiers.filter((id) => id !== person.user),
      segments: ['vip'],
    }),
    identityWatermarks: Object.fromEntries(mergedFrom.map((id) => [id, { 0: 1_000 }])),
  });

  beforeAll(async () => {
    // No processor: the identity state is exactly what this file seeds, as a merge leaves it.
    await stopService(system().services['processor']!);
    profiles = sandboxProfiles(sandbox());
    archive = archiveProbe(sandbox());
    const id = sandbox().id;
    person = { user: `user-${id}`, anon: `anon-${id}`, other: `other-${id}` };
    // Archived events of two identifiers (the archiver stores them under their key).
    for (const body of [
      { userId: person.user, event: 'Bought' },
      { anonymousId: person.anon, event: 'Browsed' },
    ])
      expect((await sendSegment(system().gatewayUrl, 'track', body)).status).toBe(200);
    await eventually(async () => {
      const [row] = await archive.query<{ n: number }>(
        'select count(*)::int as n from events where profile_id = any($1)',
        [[person.user, person.anon]],
      );
      return row?.n === 2 ? true : undefined;
    });
    // The person: user + anon merged; `other` is a profile of its own, merged later.
    await storeCanonical(canonicalOf(3, [person.user, person.anon], [person.anon]));
    await profiles.redis.sadd(profiles.layout.segmentMembersOf('vip', person.user), person.user);
    await profiles.redis.hset(
      profiles.layout.profile(person.other),
      'version',
      2,
      'doc',
      JSON.stringify(storedSnapshot(person.other, 2)),
    );
    // The snapshot table as the changelog fed it.
    await archive.query(
      `insert into profiles (profile_id, snapshot, version, updated_at) values ($1, $2, 3, now())`,
      [person.user, JSON.stringify(canonicalOf(3, [person.user, person.anon], [person.anon]))],
    );
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    profiles?.close();
    await archive?.close();
  });

  const subscribe = (id: string) => {
    const client = wsClient(system().graphqlUrl, { token: system().adminToken });
    clients.push(client);
    return collect<{ profileUpdated: Seen }>(
      client,
      `subscription ($id: ID!) { profileUpdated(id: $id) { ${FIELDS} } }`,
      { id },
    );
  };

  it('profile and profiles answer the canonical profile for each identifier', async () => {
    for (const id of [person.user, person.anon]) {
      const answer = await system().query<{ profile: Seen | null }>(
        `query ($id: ID!) { profile(id: $id) { ${FIELDS} } }`,
        { id },
      );
      expect(answer.errors).toBeUndefined();
      expect(answer.data?.profile).toEqual({
        id: person.user,
        version: 3,
        identifiers: [person.anon, person.user].sort(),
        mergedFrom: [person.anon],
      });
    }
    const many = await system().query<{ profiles: Array<{ id: string } | null> }>(
      'query ($ids: [ID!]!) { profiles(ids: $ids) { id } }',
      { ids: [person.anon, 'nobody-at-all', person.other, person.user] },
    );
    expect(many.data?.profiles).toEqual([
      { id: person.user },
      null,
      { id: person.other },
      { id: person.user },
    ]);
    const members = await system().query<{
      segment: { members: { edges: Array<{ node: { id: string } }> } };
    }>('{ segment(name: "vip") { members(first: 10) { edges { node { id } } } } }');
    expect(members.data?.segment.members.edges).toEqual([{ node: { id: person.user } }]);
  });

  it('profileUpdated follows a merged identifier to the canonical profile and its changes', async () => {
    const onOther = subscribe(person.other);
    const onMerged = subscribe(person.anon);
    const [first] = await receivedAtLeast(onOther, 1);
    expect(first?.profileUpdated).toMatchObject({ id: person.other, version: 2 });
    // Opened on an identifier merged already: the canonical from the start.
    const [canonical] = await receivedAtLeast(onMerged, 1);
    expect(canonical?.profileUpdated).toMatchObject({ id: person.user, version: 3 });

    // `other` merges into the person: versions add up (3 + 2), plus the round's event.
    const all = [person.user, person.anon, person.other];
    await storeCanonical(canonicalOf(6, all, [person.anon, person.other]), {
      id: person.other,
      version: 2,
    });
    const [, target] = await receivedAtLeast(onOther, 2);
    expect(target?.profileUpdated).toEqual({
      id: person.user,
      version: 6,
      identifiers: [...all].sort(),
      mergedFrom: [person.anon, person.other].sort(),
    });
    // Then the target's own later changes.
    await storeCanonical(canonicalOf(7, all, [person.anon, person.other]));
    for (const received of [onOther, onMerged])
      await eventually(async () =>
        received.data.at(-1)?.profileUpdated.version === 7 ? true : undefined,
      );
    expect(onOther.data.map((m) => [m.profileUpdated.id, m.profileUpdated.version])).toEqual([
      [person.other, 2],
      [person.user, 6],
      [person.user, 7],
    ]);
    expect(onMerged.data.map((m) => m.profileUpdated.version)).toEqual([3, 6, 7]);
    expect([...onOther.errors, ...onMerged.errors]).toEqual([]);
    onOther.stop();
    onMerged.stop();
  });

  it('deleteProfile by a non-canonical identifier erases every identifier of the person', async () => {
    const answer = await system().query<{
      deleteProfile: { ok: boolean; id: string; identifiers: string[]; deletedEvents: number };
    }>(
      `mutation ($id: ID!) { deleteProfile(id: $id) {
        ok id identifiers removedLive removedSnapshot deletedEvents } }`,
      { id: person.anon },
    );
    expect(answer.errors).toBeUndefined();
    const all = [person.user, person.anon, person.other];
    expect(answer.data?.deleteProfile).toMatchObject({
      ok: true,
      id: person.user,
      removedLive: true,
      removedSnapshot: true,
      deletedEvents: 2,
    });
    expect([...(answer.data?.deleteProfile.identifiers ?? [])].sort()).toEqual([...all].sort());
    const { redis, layout } = profiles;
    const existing = (keys: string[]) =>
      Promise.all(keys.map((key) => redis.exists(key))).then((found) =>
        found.reduce((sum, n) => sum + n, 0),
      );
    expect(await existing(all.flatMap((id) => [layout.profile(id), layout.identity(id)]))).toBe(0);
    // A fence per identifier, so what is still in flight of any of them is dropped.
    expect(await existing(all.map((id) => layout.erasureFence(id)))).toBe(all.length);
    expect(await segmentMembersIn(redis, layout, 'vip')).toEqual([]);
    for (const table of ['events', 'event_keys', 'profiles']) {
      const [row] = await archive.query<{ n: number }>(
        `select count(*)::int as n from ${table} where profile_id = any($1)`,
        [all],
      );
      expect({ table, rows: row?.n }).toEqual({ table, rows: 0 });
    }
    const [fences] = await archive.query<{ n: number }>(
      'select count(*)::int as n from erasures where profile_id = any($1)',
      [all],
    );
    expect(fences?.n).toBe(all.length);
    // Nobody is found by any identifier any more.
    const gone = await system().query<{ profiles: unknown[] }>(
      'query ($ids: [ID!]!) { profiles(ids: $ids) { id } }',
      { ids: all },
    );
    expect(gone.data?.profiles).toEqual([null, null, null]);
  });
});

// What the identity chaos test checks once the load is over: each person's one profile in
// Redis, the identity keys, the API's answer by every identifier, and the cold path caught up.
import { createProfileStore } from '../../profiles/profile-store.ts';
import { resolveProfileIds } from '../../profiles/identity-index.ts';
import type { UserProfile } from '../../schema/profile.ts';
import type { ArchiveProbe } from './archive.ts';
import { graphql } from './http.ts';
import type { Person, PersonCounters } from './identity-people.ts';
import type { sandboxProfiles } from './profiles.ts';

type Profiles = ReturnType<typeof sandboxProfiles>;

/** People whose canonical profile (their userId's) counts otherwise than sent: one line each. */
export async function wrongCounters(
  profiles: Profiles,
  people: readonly Person[],
  expected: ReadonlyMap<string, PersonCounters>,
): Promise<string[]> {
  const stored = await profiles.store.readMany(people.map((person) => person.userId));
  const wrong: string[] = [];
  people.forEach((person, index) => {
    const profile = stored[index]?.profile;
    const got = profile && {
      eventCount: profile.eventCount,
      pageViews: profile.pageViews,
      eventCounts: profile.eventCounts,
    };
    const want = expected.get(person.userId);
    const sameCounts =
      got !== undefined &&
      want !== undefined &&
      got.eventCount === want.eventCount &&
      got.pageViews === want.pageViews &&
      JSON.stringify(Object.entries(got.eventCounts).sort()) ===
        JSON.stringify(Object.entries(want.eventCounts).sort());
    if (!sameCounts)
      wrong.push(`${person.userId}: got ${JSON.stringify(got)}, sent ${JSON.stringify(want)}`);
  });
  return wrong;
}

/** Anonymous identifiers that still have a profile document of their own. */
export async function anonymousDocuments(
  profiles: Profiles,
  people: readonly Person[],
): Promise<string[]> {
  const anons = people.flatMap((person) => [person.anon1, person.anon2]);
  const found = await Promise.all(
    anons.map((anon) => profiles.redis.exists(profiles.layout.profile(anon))),
  );
  return anons.filter((_, index) => found[index] === 1);
}

/** Identifiers whose identity key does not lead to their person's userId. */
export async function misresolved(
  profiles: Profiles,
  people: readonly Person[],
): Promise<string[]> {
  const anons = people.flatMap((person) => [person.anon1, person.anon2]);
  const owners = people.flatMap((person) => [person.userId, person.userId]);
  const users = people.map((person) => person.userId);
  const resolved = await resolveProfileIds(profiles.redis, profiles.layout, [...anons, ...users]);
  return [...anons, ...users].filter(
    (id, index) => resolved[index] !== (index < anons.length ? owners[index] : id),
  );
}

/**
 * Identifiers whose `profiles(ids)` answer through the gateway is not their person's
 * canonical profile (asked 99 identifiers, 33 people, at a time).
 */
export async function apiMisanswers(
  graphqlUrl: string,
  headers: Record<string, string>,
  people: readonly Person[],
): Promise<string[]> {
  const wrong: string[] = [];
  for (let first = 0; first < people.length; first += 33) {
    const group = people.slice(first, first + 33);
    const ids = group.flatMap((person) => [person.anon1, person.anon2, person.userId]);
    const answer = await graphql<{ profiles: Array<{ id: string; identifiers: string[] } | null> }>(
      graphqlUrl,
      'query ($ids: [ID!]!) { profiles(ids: $ids) { id identifiers } }',
      { ids },
      headers,
    );
    if (answer.errors !== undefined)
      return [`profiles(ids) failed: ${JSON.stringify(answer.errors)}`];
    ids.forEach((id, index) => {
      const person = group[Math.floor(index / 3)];
      const got = answer.data?.profiles[index];
      const identifiers = person && [person.anon1, person.anon2, person.userId].sort();
      if (
        got?.id !== person?.userId ||
        JSON.stringify(got?.identifiers) !== JSON.stringify(identifiers)
      )
        wrong.push(`${id}: ${JSON.stringify(got)}`);
    });
  }
  return wrong;
}

/** Whether the archive holds each of `events` messageIds once and the snapshots are Redis's. */
export async function coldPathCaughtUp(
  archive: ArchiveProbe,
  prefix: string,
  events: number,
  live: ReadonlyMap<string, number>,
): Promise<boolean> {
  const counts = await archive.counts(prefix);
  if (counts.rows !== events || counts.distinct !== events) return false;
  const rows = await archive.query<{ profile_id: string; version: number }>(
    'select profile_id, version::int as version from profiles where profile_id = any($1::text[])',
    [[...live.keys()]],
  );
  return rows.length === live.size && rows.every((row) => live.get(row.profile_id) === row.version);
}

/** The UserProfile of each person's userId, in order (undefined: none). */
export async function canonicalProfiles(
  profiles: Profiles,
  people: readonly Person[],
): Promise<Array<UserProfile | undefined>> {
  const store = createProfileStore(profiles.redis, profiles.layout);
  return (await store.readMany(people.map((person) => person.userId))).map((s) => s?.profile);
}

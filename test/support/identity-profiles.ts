// A person's profile as the API answers it, with what identity resolution adds, and the
// comparison of two people's profiles field by field.
import { expect } from 'vitest';
import { eventually } from './http.ts';
import type { RunningSystem } from './system.ts';

export interface ApiProfile {
  id: string;
  userId: string | null;
  identifiers: string[];
  mergedFrom: string[];
  anonymousIds: string[];
  traits: Record<string, unknown>;
  device: { type: string; os: string | null; browser: string | null } | null;
  firstSeenAt: string | null;
  lastSeenAt: string | null;
  eventCount: number;
  pageViews: number;
  eventCounts: Array<{ name: string; count: number }>;
  sessionCount: number;
  segments: string[];
  version: number;
}

export const PROFILE_FIELDS = `
  id userId identifiers mergedFrom anonymousIds traits device { type os browser }
  firstSeenAt lastSeenAt eventCount pageViews eventCounts { name count } sessionCount
  segments version
`;

/** The profile `profile(id)` answers for any identifier of a person (null: none). */
export async function profileOf(system: RunningSystem, id: string): Promise<ApiProfile | null> {
  const answer = await system.query<{ profile: ApiProfile | null }>(
    `query ($id: ID!) { profile(id: $id) { ${PROFILE_FIELDS} } }`,
    { id },
  );
  if (answer.errors !== undefined) throw new Error(JSON.stringify(answer.errors));
  return answer.data?.profile ?? null;
}

/** Polls until `profile(id)` answers a profile that satisfies `done`, and returns it. */
export function profileWhen(
  system: RunningSystem,
  id: string,
  done: (profile: ApiProfile) => boolean,
  timeoutMs = 60_000,
): Promise<ApiProfile> {
  let last: ApiProfile | null = null;
  return eventually(async () => {
    last = await profileOf(system, id);
    return last !== null && done(last) ? last : undefined;
  }, timeoutMs).catch((error: unknown) => {
    throw new Error(`profile(${id}): ${String(error)}; last answer ${JSON.stringify(last)}`);
  });
}

/** What the events decide, whichever identifiers they came under (ids and links left out). */
export function countersOf(profile: ApiProfile) {
  return {
    traits: profile.traits,
    device: profile.device,
    firstSeenAt: profile.firstSeenAt,
    lastSeenAt: profile.lastSeenAt,
    eventCount: profile.eventCount,
    pageViews: profile.pageViews,
    eventCounts: [...profile.eventCounts].sort((x, y) => x.name.localeCompare(y.name)),
    sessionCount: profile.sessionCount,
    segments: [...profile.segments].sort(),
    version: profile.version,
  };
}

/** Field by field, so a failure names the counter a merge got wrong. */
export function expectSameCounters(merged: ApiProfile, control: ApiProfile): void {
  const want = countersOf(control);
  const got = countersOf(merged);
  for (const field of Object.keys(want) as Array<keyof typeof want>)
    expect(got[field], `merged profile's ${field}`).toEqual(want[field]);
}

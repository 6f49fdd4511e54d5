import { isErased, parseFence } from '../profiles/erasure-fence.ts';
import type { ProfileForUpdate, ProfileStore } from '../profiles/profile-store.ts';
import { profileIdOf } from '../schema/event.ts';
import { holdsEvent, type PositionedEvent } from './apply-event.ts';
import { linkedIdentifiers, planIdentities, type RefusedLink } from './identity-plan.ts';
import type { ReadProfile } from './person-update.ts';
import type { ProfileRules } from './rules.ts';

/** Every identifier of the events (keys and linked ones), as read for an update. */
export async function readIdentifiers(
  store: ProfileStore,
  events: readonly PositionedEvent[],
): Promise<Map<string, ProfileForUpdate>> {
  const identifiers = new Set<string>();
  for (const { event } of events) {
    identifiers.add(profileIdOf(event));
    for (const linked of linkedIdentifiers(event)) identifiers.add(linked);
  }
  const ids = [...identifiers];
  const current = await store.readForUpdate(ids);
  const read = new Map<string, ProfileForUpdate>();
  ids.forEach((id, index) => {
    const entry = current[index];
    if (entry) read.set(id, entry);
  });
  return read;
}

/** A round's events by person, with what the round does to each. */
export interface RoundPlan {
  /** Per person (the profile its identifiers resolve to after the round), its events to apply. */
  byPerson: Map<string, PositionedEvent[]>;
  /** Per person, its events below their identifier's deletion fence (dropped, ADR 0005). */
  erasedOf: Map<string, number>;
  /** Per person, the links of its events the merge policy refused. */
  refusedOf: Map<string, RefusedLink[]>;
  /** A canonical profile as read (an empty one for an id without a profile). */
  profileOf(id: string): ReadProfile;
  /** The person an event belongs to once the round's links are made. */
  personOf(event: PositionedEvent): string;
  /** The profiles folded into each person and its identifiers (identity-plan.ts). */
  absorbedOf(person: string): readonly ReadProfile[];
  identifiersOf(person: string): readonly string[] | undefined;
}

function add<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/**
 * Groups a round's events by person: drops those below their identifier's deletion fence (an
 * erased profile's events acknowledged before its deletion), decides the links and merges of
 * the rest (planIdentities) and files each event under the profile it then resolves to. Pure
 * over what was read.
 */
export function planRound(
  events: readonly PositionedEvent[],
  read: ReadonlyMap<string, ProfileForUpdate>,
  rules: ProfileRules,
): RoundPlan {
  const profiles = new Map<string, ReadProfile>();
  for (const entry of read.values())
    profiles.set(entry.canonical, {
      id: entry.canonical,
      stored: entry.stored,
      fence: entry.canonicalFence,
    });
  const profileOf = (id: string): ReadProfile =>
    profiles.get(id) ?? { id, stored: undefined, fence: null };
  const canonicalOf = (id: string) => read.get(id)?.canonical ?? id;

  const erased: PositionedEvent[] = [];
  const live = events.filter((positioned) => {
    const fence = parseFence(read.get(profileIdOf(positioned.event))?.fence);
    const { partition, offset } = positioned.position;
    const kept = !fence || !isErased(fence, partition, offset);
    if (!kept) erased.push(positioned);
    return kept;
  });
  const plan = planIdentities({
    events: live,
    canonicalOf,
    personOf: (id) => profileOf(id).stored?.profile,
    alreadyApplied: (positioned) => {
      const stored = profileOf(canonicalOf(profileIdOf(positioned.event))).stored;
      return stored !== undefined && holdsEvent(stored, positioned);
    },
    policy: rules.identity,
  });
  const personOf = (positioned: PositionedEvent) => plan.rootOf(profileIdOf(positioned.event));

  const byPerson = new Map<string, PositionedEvent[]>();
  for (const positioned of live) add(byPerson, personOf(positioned), positioned);
  const erasedOf = new Map<string, number>();
  for (const positioned of erased) {
    const person = personOf(positioned);
    if (!byPerson.has(person)) byPerson.set(person, []);
    erasedOf.set(person, (erasedOf.get(person) ?? 0) + 1);
  }
  const refusedOf = new Map<string, RefusedLink[]>();
  for (const refusal of plan.refused) add(refusedOf, plan.rootOf(refusal.identifier), refusal);
  return {
    byPerson,
    erasedOf,
    refusedOf,
    profileOf,
    personOf,
    absorbedOf: (person) => (plan.absorbed.get(person) ?? []).map(profileOf),
    identifiersOf: (person) => plan.identifiers.get(person),
  };
}

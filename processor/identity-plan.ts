import { profileIdOf, type ActivityEvent } from '../schema/event.ts';
import type { EventPosition, PositionedEvent } from './apply-event.ts';
import type { IdentityPolicy } from './identity-policy.ts';

/** What the plan needs to know of a canonical profile (one that exists, or an unused id). */
export interface PersonState {
  /** The profile's userId, null while anonymous. */
  userId: string | null;
  /** Every identifier resolving to it, its id included. */
  identifiers: readonly string[];
}

/** Why a link was refused (the `reason` label of pulsehub_processor_merges_refused_total). */
export type RefusalReason = 'both_identified' | 'identifier_limit';

/** A link an event asked for and the policy refused: for the dead-letter topic. */
export interface RefusedLink {
  position: EventPosition;
  /** The event's key (`profileIdOf`): the event counts on the profile it resolves to. */
  identifier: string;
  refusal: RefusalReason;
  reason: string;
}

export interface IdentityPlan {
  /** The profile an identifier of the round resolves to once the round's links are made. */
  rootOf(identifier: string): string;
  /**
   * Per resulting profile, the canonical profiles (as they were read) folded into it, in the
   * order the links were made: existing ones are merged, the others are identifiers linked for
   * the first time.
   */
  absorbed: ReadonlyMap<string, readonly string[]>;
  /** Per resulting profile that gained identifiers, all of its identifiers, sorted. */
  identifiers: ReadonlyMap<string, readonly string[]>;
  refused: RefusedLink[];
}

export interface IdentityPlanInput {
  /** The round's events in stream order. */
  events: readonly PositionedEvent[];
  /** The canonical profile id of every event key and linked identifier, as read. */
  canonicalOf(identifier: string): string;
  /** The state of a canonical profile as read; undefined for an id without a profile. */
  personOf(canonical: string): PersonState | undefined;
  /** Whether the profile it resolves to already holds the event (a redelivery, a duplicate). */
  alreadyApplied(event: PositionedEvent): boolean;
  policy: IdentityPolicy;
}

/**
 * The identifiers an event ties to its key (docs/identity.md "When profiles merge"): the
 * anonymousId of an event that also has a userId, and the previousId of an alias.
 */
export function linkedIdentifiers(event: ActivityEvent): string[] {
  const key = profileIdOf(event);
  const linked: string[] = [];
  if (event.userId !== undefined && event.anonymousId !== undefined && event.anonymousId !== key)
    linked.push(event.anonymousId);
  if (event.type === 'alias' && event.previousId !== key && !linked.includes(event.previousId))
    linked.push(event.previousId);
  return linked;
}

interface Person {
  userId: string | null;
  identifiers: Set<string>;
  absorbed: string[];
}

/**
 * Decides the round's links and merges, event by event in stream order, under the merge
 * policy: pure (no I/O, no clock), so the decisions depend on the profiles read and the
 * events alone. An event already applied decided its links when it was applied: it is
 * passed over. The survivor of a merge is the profile of the event's key, unless only the
 * other one is identified (has a userId): anonymous activity joins the known user.
 */
export function planIdentities(input: IdentityPlanInput): IdentityPlan {
  const parent = new Map<string, string>();
  const persons = new Map<string, Person>();
  const refused: RefusedLink[] = [];
  const changed = new Set<string>();

  const find = (identifier: string): string => {
    let root = input.canonicalOf(identifier);
    for (let next = parent.get(root); next !== undefined; next = parent.get(root)) root = next;
    return root;
  };
  const personAt = (root: string): Person => {
    let person = persons.get(root);
    if (person === undefined) {
      const read = input.personOf(root);
      person = {
        userId: read?.userId ?? null,
        identifiers: new Set(read?.identifiers ?? [root]),
        absorbed: [],
      };
      persons.set(root, person);
    }
    return person;
  };

  for (const positioned of input.events) {
    const { event, position } = positioned;
    const key = profileIdOf(event);
    // Most events with two identifiers repeat a link already made (SDKs send the anonymousId
    // with every event after sign-in): they are decided without looking any further.
    const links = linkedIdentifiers(event).filter((linked) => find(linked) !== find(key));
    if (event.userId !== undefined) personAt(find(key)).userId ??= event.userId;
    if (links.length === 0 || input.alreadyApplied(positioned)) continue;
    for (const linked of links) {
      const own = find(key);
      const other = find(linked);
      if (own === other) continue;
      const a = personAt(own);
      const b = personAt(other);
      const explicit = event.type === 'alias' && linked === event.previousId;
      if (
        a.userId !== null &&
        b.userId !== null &&
        a.userId !== b.userId &&
        !(explicit && input.policy.mergeIdentifiedByAlias)
      ) {
        refused.push({
          position,
          identifier: key,
          refusal: 'both_identified',
          reason: `merge refused: ${linked} belongs to profile ${other} (userId ${b.userId}), and profile ${own} has userId ${a.userId}; two identified profiles are not merged (identity.mergeIdentifiedByAlias); the event counted on profile ${own}`,
        });
        continue;
      }
      const union = new Set([...a.identifiers, ...b.identifiers]);
      if (union.size > input.policy.maxIdentifiers) {
        refused.push({
          position,
          identifier: key,
          refusal: 'identifier_limit',
          reason: `merge refused: linking ${linked} (profile ${other}) to profile ${own} would give it ${union.size} identifiers, above identity.maxIdentifiers (${input.policy.maxIdentifiers}); the event counted on profile ${own}`,
        });
        continue;
      }
      const [survivor, merged] =
        b.userId !== null && a.userId === null ? [other, own] : [own, other];
      const kept = personAt(survivor);
      const gone = personAt(merged);
      parent.set(merged, survivor);
      kept.userId ??= gone.userId;
      kept.identifiers = union;
      kept.absorbed.push(merged, ...gone.absorbed);
      persons.delete(merged);
      changed.delete(merged);
      changed.add(survivor);
    }
  }

  const absorbed = new Map<string, string[]>();
  const identifiers = new Map<string, string[]>();
  for (const root of changed) {
    const person = persons.get(root);
    if (person === undefined) continue;
    absorbed.set(root, person.absorbed);
    identifiers.set(root, [...person.identifiers].sort());
  }
  return { rootOf: find, absorbed, identifiers, refused };
}

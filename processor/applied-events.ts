import type { StoredProfile } from '../schema/profile.ts';
import { holdsEvent, type PositionedEvent } from './apply-event.ts';
import type { SetAside } from './guarded-apply.ts';
import { messageIdHash } from './message-ids.ts';

/**
 * The events of a round that `applyGuarded(before, events)` applied, in order: neither set
 * aside nor already held (a redelivery, or a messageId seen before, the round's own earlier
 * events included). `applied` is the number it applied (the version's rise); when every event
 * that was not set aside counts, as in all but a redelivery's round, no event is looked at.
 */
export function appliedEvents(
  before: StoredProfile,
  events: readonly PositionedEvent[],
  setAside: readonly SetAside[],
  applied: number,
): PositionedEvent[] {
  const left = (positioned: PositionedEvent) =>
    setAside.some(
      ({ position }) =>
        position.partition === positioned.position.partition &&
        position.offset === positioned.position.offset,
    );
  const kept = setAside.length === 0 ? [...events] : events.filter((e) => !left(e));
  if (kept.length === applied) return kept;
  const seen = new Set<string>();
  return kept.filter((positioned) => {
    if (holdsEvent(before, positioned)) return false;
    const hash = messageIdHash(positioned.event.messageId);
    if (seen.has(hash)) return false;
    seen.add(hash);
    return true;
  });
}

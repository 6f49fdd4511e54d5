import type { ActivityEvent } from '../../schema/event.ts';
import type { StoredProfile } from '../../schema/profile.ts';
import { applyEvent, type EventPosition, type ProfileRules } from '../apply-event.ts';

/**
 * The rebuild's only call of the processor's event -> profile step. The position is the
 * event's archived Kafka partition and offset, so the rebuilt watermarks are exactly the
 * processor's and it continues after them without counting anything twice; with the same
 * rules the rebuilt profile equals the processor's, field for field. An event the step throws
 * on is left out, as the processor sets it aside (guarded-apply.ts).
 */
export function replayEvent(
  stored: StoredProfile,
  event: ActivityEvent,
  position: EventPosition,
  rules: ProfileRules,
): StoredProfile {
  try {
    return applyEvent(stored, event, position, rules);
  } catch {
    return stored;
  }
}

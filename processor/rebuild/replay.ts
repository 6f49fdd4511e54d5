import type { ActivityEvent } from '../../schema/event.ts';
import type { StoredProfile } from '../../schema/profile.ts';
import { applyEvent, type EventPosition } from '../apply-event.ts';

/**
 * The rebuild's only call of the processor's event -> profile step. The position is the
 * event's archived Kafka partition and offset, so the rebuilt watermarks are exactly the
 * processor's and it continues after them without counting anything twice. The step takes
 * the processing time as `now`; replaying, the event's receivedAt stands in for it.
 */
export function replayEvent(
  stored: StoredProfile,
  event: ActivityEvent,
  position: EventPosition,
): StoredProfile {
  return applyEvent(stored, event, position, event.receivedAt);
}

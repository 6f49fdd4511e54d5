import {
  EVENT_TIME_FROM_MS,
  EVENT_TIME_TO_MS,
  EVENT_TIME_WINDOW,
  MAX_TIMESTAMP_AHEAD_MS,
} from '../schema/event.ts';
import type { FieldError } from './field-errors.ts';

/** The times a call may carry, as sent (ISO 8601 text the event schema accepted). */
export interface EventTimes {
  timestamp?: string | undefined;
  originalTimestamp?: string | undefined;
  sentAt?: string | undefined;
}

export interface TimestampOptions {
  /** When the event reached PulseHub (ingest's clock, or the Kafka record's timestamp), ISO 8601. */
  receivedAt: string;
  /** How receivedAt is named in an error: `receivedAt`, or where it came from. */
  receivedAtField: string;
  /**
   * The event's `timestamp` is already corrected (it carries receivedAt, as ingest writes it):
   * kept as it is and only checked, since correcting it again would apply the skew twice.
   */
  stamped: boolean;
}

export type Timestamped = { ok: true; timestamp: string } | { ok: false; errors: FieldError[] };

export const inWindow = (ms: number): boolean => ms >= EVENT_TIME_FROM_MS && ms < EVENT_TIME_TO_MS;

/**
 * Canonical UTC text (`YYYY-MM-DDTHH:mm:ss.sssZ`, what toISOString writes and ingest stamps)
 * sorts as the instants do, so it is compared without parsing: Date.parse costs as much as a
 * good part of the whole decode, which runs for every event on the topic. Among the texts the
 * schema accepts, only that spelling has 24 characters and ends in `Z`.
 */
const isCanonical = (text: string) => text.length === 24 && text.charCodeAt(23) === 90; // 'Z'

function textInWindow(text: string): boolean {
  if (isCanonical(text)) return text >= EVENT_TIME_WINDOW.from && text < EVENT_TIME_WINDOW.to;
  return inWindow(Date.parse(text));
}

const WINDOW_TEXT = `[${EVENT_TIME_WINDOW.from}, ${EVENT_TIME_WINDOW.to})`;
export const OUTSIDE_WINDOW = `must lie within ${WINDOW_TEXT}`;
const AHEAD = `may lie at most ${MAX_TIMESTAMP_AHEAD_MS / 3_600_000} hours after receivedAt`;
const SENT_FIELDS = ['timestamp', 'originalTimestamp', 'sentAt'] as const;

/**
 * When the event happened, corrected for the client's clock skew the way Segment does it:
 * timestamp = receivedAt − (sentAt − originalTimestamp), originalTimestamp defaulting to the
 * sent timestamp and the correction applying only when sentAt is there; without any time the
 * event happened when it was received. Checks the time rules on the way: every time within
 * EVENT_TIME_WINDOW and the timestamp at most MAX_TIMESTAMP_AHEAD_MS after receivedAt. An
 * error names the field the client sent: for a corrected timestamp, the one it was made from.
 * The one implementation for ingest and for the consumers' decode of raw producers' events.
 */
export function eventTimestamp(event: EventTimes, options: TimestampOptions): Timestamped {
  const { receivedAt } = options;
  const errors: FieldError[] = [];
  if (!textInWindow(receivedAt))
    errors.push({ field: options.receivedAtField, message: OUTSIDE_WINDOW });
  for (const field of SENT_FIELDS) {
    const text = event[field];
    if (text !== undefined && !textInWindow(text)) errors.push({ field, message: OUTSIDE_WINDOW });
  }
  if (errors.length > 0) return { ok: false, errors };

  const { timestamp } = event;
  if (options.stamped && timestamp !== undefined) {
    const early = isCanonical(timestamp) && isCanonical(receivedAt) && timestamp <= receivedAt;
    if (!early && Date.parse(timestamp) - Date.parse(receivedAt) > MAX_TIMESTAMP_AHEAD_MS)
      return { ok: false, errors: [{ field: 'timestamp', message: AHEAD }] };
    return { ok: true, timestamp };
  }
  const from = event.originalTimestamp !== undefined ? 'originalTimestamp' : 'timestamp';
  const originalText = event[from];
  if (originalText === undefined) return { ok: true, timestamp: receivedAt };
  const received = Date.parse(receivedAt);
  const original = Date.parse(originalText);
  const corrected =
    event.sentAt === undefined ? original : received - (Date.parse(event.sentAt) - original);
  const how =
    event.sentAt === undefined
      ? ''
      : `once corrected for clock skew (receivedAt − (sentAt − ${from})), `;
  if (!inWindow(corrected))
    return { ok: false, errors: [{ field: from, message: `${how}${OUTSIDE_WINDOW}` }] };
  if (corrected - received > MAX_TIMESTAMP_AHEAD_MS)
    return { ok: false, errors: [{ field: from, message: `${how}${AHEAD}` }] };
  return { ok: true, timestamp: new Date(corrected).toISOString() };
}

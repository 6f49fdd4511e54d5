import { randomUUID } from 'node:crypto';
import { incomingEventSchema, type ActivityEvent, type TopicEvent } from '../schema/event.ts';
import { eventTimestamp, inWindow, OUTSIDE_WINDOW } from './event-times.ts';
import { fieldErrors, type FieldError } from './field-errors.ts';
import { DEFAULT_JUNK, junkIdentifierFields, type JunkIdentifiers } from './junk-identifiers.ts';
import { mayHoldUnstorable, unstorableFields } from './storable.ts';

export type Normalized = { ok: true; event: ActivityEvent } | { ok: false; errors: FieldError[] };

/** What completes an event where it lacks what ingest stamps. */
export interface EventDefaults {
  /** receivedAt when the event has none: ingest's clock, or the Kafka record's timestamp. */
  receivedAtMs: number;
  /** How that receivedAt is named in an error. */
  receivedAtField: string;
  /**
   * The messageId when the event has none. A value, not a callback: a closure made per message
   * costs the consumers' decode more than everything else completeEvent does.
   */
  messageId: string;
}

/**
 * Completes a valid event with what only ingest adds: receivedAt, messageId and the timestamp
 * corrected for client clock skew (eventTimestamp), each only where the event lacks it, and
 * checks the time rules. An event that lacks nothing is returned as it is, so the consumers'
 * decode of ingest's own events allocates nothing here.
 */
export function completeEvent(event: TopicEvent, defaults: EventDefaults): Normalized {
  const stamped = event.receivedAt !== undefined;
  let receivedAt = event.receivedAt;
  if (receivedAt === undefined) {
    // Checked before it becomes text: toISOString throws beyond ±8.64e15 ms (and on NaN).
    if (!inWindow(defaults.receivedAtMs))
      return { ok: false, errors: [{ field: defaults.receivedAtField, message: OUTSIDE_WINDOW }] };
    receivedAt = new Date(defaults.receivedAtMs).toISOString();
  }
  const time = eventTimestamp(event, {
    receivedAt,
    receivedAtField: stamped ? 'receivedAt' : defaults.receivedAtField,
    stamped,
  });
  if (!time.ok) return time;
  if (stamped && event.messageId !== undefined && event.timestamp === time.timestamp)
    return { ok: true, event: event as ActivityEvent };
  return {
    ok: true,
    event: {
      ...event,
      messageId: event.messageId ?? defaults.messageId,
      timestamp: time.timestamp,
      receivedAt,
    },
  };
}

/**
 * Validates one Segment call as a client sent it and stamps what PulseHub adds (completeEvent):
 * a messageId when the client sent none, receivedAt, and the skew-corrected timestamp. Refuses,
 * by field, every key or string value PostgreSQL cannot store (events/storable.ts), every
 * junk identifier (events/junk-identifiers.ts, from `junk`: the service's live list) and
 * every time outside the rules. `json` is the call as JSON text when the caller has it (for
 * its size): text without a suspicious escape skips the walk for unstorable characters.
 */
export function normalizeEvent(
  input: unknown,
  receivedAt: Date,
  json?: string,
  junk: JunkIdentifiers = DEFAULT_JUNK,
): Normalized {
  const unstorable = json === undefined || mayHoldUnstorable(json) ? unstorableFields(input) : [];
  const junkFields = junkIdentifierFields(input, junk);
  const parsed = incomingEventSchema.safeParse(input);
  if (!parsed.success || unstorable.length > 0 || junkFields.length > 0) {
    // An empty id is both too short for the schema and junk: the junk message says more.
    const named = new Set(junkFields.map((error) => error.field));
    const invalid = parsed.error ? fieldErrors(parsed.error) : [];
    return {
      ok: false,
      errors: [...unstorable, ...junkFields, ...invalid.filter((error) => !named.has(error.field))],
    };
  }
  return completeEvent(parsed.data, {
    receivedAtMs: receivedAt.getTime(),
    receivedAtField: 'receivedAt',
    messageId: randomUUID(),
  });
}

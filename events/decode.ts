import type { KafkaMessage } from 'kafkajs';
import { MAX_STORED_EVENT_BYTES, topicEventSchema, type ActivityEvent } from '../schema/event.ts';
import { fieldErrors, type FieldError } from './field-errors.ts';
import { DEFAULT_JUNK, junkIdentifierFields } from './junk-identifiers.ts';
import { completeEvent } from './normalize.ts';
import { mayHoldUnstorable, unstorableFields } from './storable.ts';

/** Why a message is poison; the metric label of its dead letter. */
export type DecodeFailureKind =
  | 'empty'
  | 'too_large'
  | 'not_json'
  | 'invalid'
  | 'unstorable'
  | 'junk_identifier'
  | 'out_of_window';

export type Decoded =
  { ok: true; event: ActivityEvent } | { ok: false; kind: DecodeFailureKind; reason: string };

const listed = (errors: readonly FieldError[]) =>
  errors.map((error) => `${error.field}: ${error.message}`).join('; ');

/**
 * The messageId of an event its producer sent without one: the record's position, so the
 * processor, the archiver and any redelivery agree on it.
 */
export const recordMessageId = (partition: number, offset: string) =>
  `kafka:${partition}:${offset}`;

/**
 * Parses and fully validates an event from the topic (docs/ingest.md is the contract). The
 * topic may carry bytes from producers other than PulseHub's ingest, so the rules are ingest's:
 * the event schema, no character PostgreSQL cannot store, no junk identifier, the time window.
 * Junk is judged by the default list (DEFAULT_JUNK), not a service's configured one: every
 * consumer, on every replay, must judge a record alike. What only ingest adds is filled from
 * the record when absent (completeEvent, the same code as ingest): receivedAt is the record's
 * timestamp, the timestamp is corrected for clock skew against it, the messageId is
 * `kafka:<partition>:<offset>`. A failure here is dead-lettered with the reason, never
 * retried: the same bytes would fail the same way again.
 */
export function decodeEvent(message: KafkaMessage, partition: number): Decoded {
  const { value } = message;
  if (value === null || value.length === 0)
    return { ok: false, kind: 'empty', reason: 'empty message value' };
  if (value.length > MAX_STORED_EVENT_BYTES)
    return {
      ok: false,
      kind: 'too_large',
      reason: `event of ${value.length} bytes exceeds ${MAX_STORED_EVENT_BYTES} bytes`,
    };
  const text = value.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, kind: 'not_json', reason: `not JSON: ${(error as Error).message}` };
  }
  if (mayHoldUnstorable(text)) {
    const unstorable = unstorableFields(parsed);
    if (unstorable.length > 0)
      return { ok: false, kind: 'unstorable', reason: `unstorable value: ${listed(unstorable)}` };
  }
  const result = topicEventSchema.safeParse(parsed);
  if (!result.success)
    return {
      ok: false,
      kind: 'invalid',
      reason: `invalid event: ${listed(fieldErrors(result.error))}`,
    };
  const junk = junkIdentifierFields(result.data, DEFAULT_JUNK);
  if (junk.length > 0)
    return { ok: false, kind: 'junk_identifier', reason: `junk identifier: ${listed(junk)}` };
  const completed = completeEvent(result.data, {
    receivedAtMs: Number(message.timestamp),
    receivedAtField: "receivedAt (the record's timestamp)",
    // Built only for an event without one: ingest's events all carry theirs.
    messageId: result.data.messageId ?? recordMessageId(partition, message.offset),
  });
  if (!completed.ok)
    return {
      ok: false,
      kind: 'out_of_window',
      reason: `event time out of window: ${listed(completed.errors)}`,
    };
  return completed;
}

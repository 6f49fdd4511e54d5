import type { KafkaMessage } from 'kafkajs';
import {
  MAX_STORED_EVENT_BYTES,
  activityEventSchema,
  type ActivityEvent,
} from '../../schema/event.ts';

/** Why a message is poison; the first word is the metric label, the rest the detail. */
export type DecodeFailureKind = 'empty' | 'too_large' | 'not_json' | 'invalid';

export type Decoded =
  { ok: true; event: ActivityEvent } | { ok: false; kind: DecodeFailureKind; reason: string };

/**
 * Parses and fully validates an event from the topic (schema/event.ts). Ingest validated it
 * already, but the topic may carry bytes from other producers, so a failure here is dead-lettered
 * with this reason.
 */
export function decodeEvent(message: KafkaMessage): Decoded {
  const { value } = message;
  if (value === null || value.length === 0)
    return { ok: false, kind: 'empty', reason: 'empty message value' };
  if (value.length > MAX_STORED_EVENT_BYTES)
    return {
      ok: false,
      kind: 'too_large',
      reason: `event of ${value.length} bytes exceeds ${MAX_STORED_EVENT_BYTES} bytes`,
    };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (error) {
    return { ok: false, kind: 'not_json', reason: `not JSON: ${(error as Error).message}` };
  }
  const result = activityEventSchema.safeParse(parsed);
  if (!result.success) {
    const problems = result.error.issues
      .map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`)
      .join('; ');
    return { ok: false, kind: 'invalid', reason: `invalid event: ${problems}` };
  }
  return { ok: true, event: result.data };
}

import type { KafkaMessage } from 'kafkajs';
import type { ActivityEvent } from '../../schema/event.ts';

export type Decoded = { ok: true; event: ActivityEvent } | { ok: false; reason: string };

/**
 * Parses an event as the ingest wrote it. Ingest validated it already, so a failure here
 * means bytes from elsewhere (or a bug): the caller dead-letters it with this reason.
 */
export function decodeEvent(message: KafkaMessage): Decoded {
  if (message.value === null) return { ok: false, reason: 'empty message value' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(message.value.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { ok: false, reason: 'not a JSON object' };
  const event = parsed as Partial<ActivityEvent>;
  if (typeof event.type !== 'string') return { ok: false, reason: 'missing type' };
  if (typeof event.messageId !== 'string') return { ok: false, reason: 'missing messageId' };
  if (typeof event.timestamp !== 'string') return { ok: false, reason: 'missing timestamp' };
  if (typeof event.userId !== 'string' && typeof event.anonymousId !== 'string')
    return { ok: false, reason: 'missing userId and anonymousId' };
  return { ok: true, event: event as ActivityEvent };
}

import { randomUUID } from 'node:crypto';
import { incomingEventSchema, type ActivityEvent } from '../../schema/event.ts';

export interface FieldError {
  field: string;
  message: string;
}

export type Normalized = { ok: true; event: ActivityEvent } | { ok: false; errors: FieldError[] };

/**
 * Validates one Segment call and stamps what PulseHub adds: a messageId when the client sent
 * none, receivedAt, and a timestamp corrected for client clock skew the way Segment does it:
 * timestamp = receivedAt - (sentAt - originalTimestamp).
 */
export function normalizeEvent(input: unknown, receivedAt: Date): Normalized {
  const parsed = incomingEventSchema.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((issue) => ({
        field: issue.path.join('.') || '(event)',
        message: issue.message,
      })),
    };
  }
  const event = parsed.data;
  const received = receivedAt.getTime();
  const original = event.originalTimestamp ?? event.timestamp;
  let timestamp = original === undefined ? received : Date.parse(original);
  if (original !== undefined && event.sentAt !== undefined)
    timestamp = received - (Date.parse(event.sentAt) - Date.parse(original));
  return {
    ok: true,
    event: {
      ...event,
      messageId: event.messageId ?? randomUUID(),
      timestamp: new Date(timestamp).toISOString(),
      receivedAt: receivedAt.toISOString(),
    },
  };
}

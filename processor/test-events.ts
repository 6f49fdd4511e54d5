import type { ActivityEvent } from '../schema/event.ts';
import type { ProfileRules } from './rules.ts';

/** Builders for the processor's unit tests: events with every stamped field set. */
let sequence = 0;

export function stamped<E extends Record<string, unknown>>(
  fields: E & { timestamp: string },
): ActivityEvent {
  sequence += 1;
  return {
    userId: 'u1',
    messageId: `m-${sequence}`,
    receivedAt: fields.timestamp,
    ...fields,
  } as unknown as ActivityEvent;
}

export const at = (time: string): string => `2026-01-01T${time}.000Z`;

export const noRules: ProfileRules = { sessionTimeoutMs: 30 * 60_000, segments: [] };

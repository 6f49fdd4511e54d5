import type { ActivityEvent } from '../schema/event.ts';
import { identityPolicySchema } from './identity-policy.ts';
import { limitsSchema } from './limits.ts';
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

/** The default limits (what an empty processor.yml `limits` section gives). */
export const defaultLimits = limitsSchema.parse(undefined);

export const noRules: ProfileRules = {
  sessionTimeoutMs: 30 * 60_000, // 30 minutes
  segments: [],
  limits: defaultLimits,
  identity: identityPolicySchema.parse(undefined),
};

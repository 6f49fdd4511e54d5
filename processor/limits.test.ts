import { describe, expect, it } from 'vitest';
import { loadServiceConfig } from '../config/client/load.ts';
import type { ActivityEvent } from '../schema/event.ts';
import { emptyStoredProfile } from '../schema/profile.ts';
import { applyEvents, type PositionedEvent } from './apply-event.ts';
import { processorConfigSchema } from './config.ts';
import { BROKER_MESSAGE_BYTES, limitsSchema, worstCaseDocumentBytes } from './limits.ts';
import { profileRulesFromConfig } from './rules.ts';
import { stamped } from './test-events.ts';

/**
 * A string of `length` characters that all take 6 bytes as JSON (control characters are
 * written `\uXXXX`), distinct per `n`: the most expensive value a 200-character field can hold.
 */
function hostile(n: number, length: number): string {
  const digits: string[] = [];
  for (let rest = n; digits.length < length; rest = Math.floor(rest / 32))
    digits.push(String.fromCharCode(rest % 32));
  return digits.join('');
}

/** A profile's worst case under the limits: every bound filled with the costliest values. */
function worstCaseEvents(limits: ReturnType<typeof limitsSchema.parse>): ActivityEvent[] {
  const userId = hostile(0, 200);
  const time = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 2 * 3_600_000).toISOString();
  const events: ActivityEvent[] = [];
  let n = 0;
  const add = (fields: Record<string, unknown> & { timestamp: string }) =>
    events.push(stamped({ userId, messageId: hostile(n++, 200), ...fields }));
  // Keys of 30 costly characters with values of 30 more, until both trait bounds refuse.
  for (let i = 0; i < limits.traitKeys + 10; i++)
    add({
      type: 'identify',
      traits: { [hostile(i, 30)]: hostile(i, 30) },
      timestamp: time(0),
    });
  for (let i = 0; i < limits.eventNames + 10; i++)
    add({ type: 'track', event: hostile(i, 8), timestamp: time(0) });
  for (let i = 0; i < limits.anonymousIds + 10; i++)
    add({ type: 'page', anonymousId: hostile(i + 1, 200), timestamp: time(i) });
  while (events.length < limits.messageIdWindow + 10) add({ type: 'screen', timestamp: time(0) });
  return events;
}

describe('profile limits', () => {
  it('keeps the worst document a client can build within the default documentBytes', async () => {
    const config = await loadServiceConfig('processor', processorConfigSchema, {
      env: {},
      profiles: [],
    });
    const rules = profileRulesFromConfig(config);
    const { limits } = rules;
    expect(limits).toEqual(limitsSchema.parse(undefined));
    const events: PositionedEvent[] = worstCaseEvents(limits).map((event, offset) => ({
      event,
      position: { partition: 999, offset: 9_007_199_254_740 + offset },
    }));
    const stored = applyEvents(emptyStoredProfile(hostile(0, 200)), events, rules);
    expect(stored.refused.traitKeys + stored.refused.traitBytes).toBeGreaterThan(0);
    expect(stored.refused.eventNames).toBeGreaterThan(0);
    expect(stored.profile.anonymousIds).toHaveLength(limits.anonymousIds);

    const bytes = Buffer.byteLength(JSON.stringify(stored));
    const worst = worstCaseDocumentBytes(
      limits,
      config.segments.map((segment) => segment.name),
      config.identity.maxIdentifiers,
    );
    expect(bytes).toBeLessThanOrEqual(worst);
    expect(worst).toBeLessThanOrEqual(limits.documentBytes);
    expect(limits.documentBytes).toBeLessThanOrEqual(BROKER_MESSAGE_BYTES / 2);
  });

  it('gives an installation without a limits section the defaults', async () => {
    const config = await loadServiceConfig('processor', processorConfigSchema, {
      env: {},
      profiles: [],
    });
    const { limits: _, ...withoutLimits } = config;
    const parsed = processorConfigSchema.parse(withoutLimits);
    expect(parsed.limits).toEqual(limitsSchema.parse(undefined));
    expect(
      processorConfigSchema.parse({ ...withoutLimits, limits: { sessions: 5 } }).limits,
    ).toMatchObject({ sessions: 5, traitKeys: 200 });
  });

  it('refuses a documentBytes near the broker limit, and limits that do not add up', async () => {
    const config = await loadServiceConfig('processor', processorConfigSchema, {
      env: {},
      profiles: [],
    });
    const near = processorConfigSchema.safeParse({
      ...config,
      limits: { ...config.limits, documentBytes: 1_000_000 },
    });
    expect(near.success).toBe(false);
    const tooMuch = processorConfigSchema.safeParse({
      ...config,
      limits: { ...config.limits, traitBytes: 200_000 },
    });
    expect(tooMuch.success).toBe(false);
    expect(tooMuch.error?.issues[0]).toMatchObject({
      path: ['limits', 'documentBytes'],
      message: expect.stringContaining('more than documentBytes (393216)') as unknown,
    });
  });
});

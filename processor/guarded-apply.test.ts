import { describe, expect, it } from 'vitest';
import type { ActivityEvent } from '../schema/event.ts';
import { emptyStoredProfile, storedDocument } from '../schema/profile.ts';
import { applyEvents, type PositionedEvent } from './apply-event.ts';
import { applyGuarded } from './guarded-apply.ts';
import type { ProfileRules } from './rules.ts';
import { at, noRules, stamped } from './test-events.ts';

const positioned = (events: ActivityEvent[]): PositionedEvent[] =>
  events.map((event, offset) => ({ event, position: { partition: 3, offset } }));

/** An event the step cannot apply: its time is no time (the topic's schema would refuse it). */
const unreadable = () =>
  stamped({ type: 'track', event: 'x', timestamp: at('10:00:00'), receivedAt: 'not a time' });

describe('applyGuarded', () => {
  it('applies a profile whole, with its document, when nothing fails', () => {
    const events = positioned([stamped({ type: 'track', event: 'x', timestamp: at('10:00:00') })]);
    const result = applyGuarded(emptyStoredProfile('u1'), events, noRules);
    expect(result.setAside).toEqual([]);
    expect(result.after).toEqual(applyEvents(emptyStoredProfile('u1'), events, noRules));
    expect(result.document).toBe(storedDocument(result.after));
  });

  it('sets aside an event that throws and applies the others as if it had not been sent', () => {
    const good = [
      stamped({ type: 'track', event: 'a', timestamp: at('10:00:00') }),
      stamped({ type: 'track', event: 'b', timestamp: at('10:01:00') }),
    ];
    const events = positioned([good[0], unreadable(), good[1]] as ActivityEvent[]);
    const result = applyGuarded(emptyStoredProfile('u1'), events, noRules);
    expect(result.setAside).toEqual([
      {
        position: { partition: 3, offset: 1 },
        kind: 'apply_failed',
        reason: expect.stringContaining('event could not be applied') as unknown,
      },
    ]);
    const without = applyEvents(
      emptyStoredProfile('u1'),
      events.filter((_, index) => index !== 1),
      noRules,
    );
    expect(result.after).toEqual(without);
    expect(result.document).toBe(storedDocument(without));
  });

  it('sets aside an event that would grow the document past documentBytes', () => {
    const rules: ProfileRules = {
      ...noRules,
      limits: { ...noRules.limits, documentBytes: 2_000 },
    };
    const events = positioned([
      stamped({ type: 'track', event: 'a', timestamp: at('10:00:00') }),
      stamped({ type: 'identify', traits: { bio: 'x'.repeat(3_000) }, timestamp: at('10:01:00') }),
      stamped({ type: 'identify', traits: { plan: 'pro' }, timestamp: at('10:02:00') }),
    ]);
    const result = applyGuarded(emptyStoredProfile('u1'), events, rules);
    expect(result.setAside).toMatchObject([
      { position: { partition: 3, offset: 1 }, kind: 'document_too_large' },
    ]);
    expect(result.setAside[0]?.reason).toMatch(/above limits\.documentBytes \(2000\)/);
    expect(result.after.profile.traits).toEqual({ plan: 'pro' });
    expect(result.after.profile.eventCount).toBe(2);
    expect(Buffer.byteLength(result.document)).toBeLessThanOrEqual(2_000);
  });

  it('leaves the profile as it was when every event fails', () => {
    const before = emptyStoredProfile('u1');
    const result = applyGuarded(before, positioned([unreadable(), unreadable()]), noRules);
    expect(result.after).toBe(before);
    expect(result.setAside).toHaveLength(2);
  });
});

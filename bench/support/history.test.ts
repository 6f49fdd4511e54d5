import { describe, expect, it } from 'vitest';
import { applyEvents } from '../../processor/apply-event.ts';
import { activityEvent, type EventPlan } from './events.ts';
import { historyDocuments, processorRules, storedWithHistory } from './history.ts';

const plan: EventPlan = { runId: 'hist', profiles: 50, baseTimeMs: Date.parse('2026-11-01') };

describe('steady-state history', () => {
  it('gives a profile a full dedupe window, 20 traits and several sessions', async () => {
    const rules = await processorRules();
    const stored = storedWithHistory(plan, 3, 6, 1_000, rules);
    expect(stored.profile.eventCount).toBe(1_000);
    expect(stored.recentMessageIds).toHaveLength(rules.limits.messageIdWindow);
    expect(Object.keys(stored.profile.traits)).toHaveLength(20);
    expect(stored.profile.sessionCount).toBeGreaterThanOrEqual(5);
    expect(Object.values(stored.watermarks)).toEqual([-1]);
    expect(stored.profile.lastSeenAt! < new Date(plan.baseTimeMs).toISOString()).toBe(true);
  });

  it('renames profile 0 into exactly what the step computes for another profile', async () => {
    const rules = await processorRules();
    const documentOf = historyDocuments(plan, 6, 1_000, rules);
    for (const profile of [1, 17, 49])
      expect(documentOf(profile)).toEqual(storedWithHistory(plan, profile, 6, 1_000, rules));
  });

  it('leaves every event of the plan new to the profile', async () => {
    const rules = await processorRules();
    const stored = historyDocuments(plan, 6, 1_000, rules)(7);
    const partition = Number(Object.keys(stored.watermarks)[0]);
    const next = applyEvents(
      stored,
      [{ event: activityEvent(plan, 7), position: { partition, offset: 0 } }],
      rules,
    );
    expect(next.profile.eventCount).toBe(1_001);
    expect(next.watermarks[partition]).toBe(0);
  });
});

import type { Namespace } from '../../test/support/namespace.ts';
import type { EventPlan } from './events.ts';
import { processorRules, seedHistory, type ProfileStart, type SeededHistory } from './history.ts';

/**
 * Seeds the plan's profiles with a steady-state history when the run starts from history; a
 * fresh start writes nothing, and so has nothing seeded.
 */
export function seedIfHistory(
  start: ProfileStart,
  options: Parameters<typeof seedHistory>[0],
): Promise<SeededHistory | undefined> {
  return start === 'history' ? seedHistory(options) : Promise.resolve(undefined);
}

/** One measured run's events, and what its profiles held before them. */
export interface StartedRun {
  plan: EventPlan;
  /** The history events every profile holds before the plan's first: none on fresh profiles. */
  priorEvents: number;
}

/**
 * How a scenario starts each measured run in its namespace: a plan whose events begin now, its
 * profiles seeded under the namespace's key prefix first when the run starts from history.
 * Loads the processor's rules once, for every run.
 */
export async function runStarter(
  namespace: Namespace,
  partitions: number,
): Promise<(runId: string, profiles: number, start: ProfileStart) => Promise<StartedRun>> {
  const rules = await processorRules();
  return async (runId, profiles, start) => {
    const plan: EventPlan = { runId, profiles, baseTimeMs: Date.now() };
    const seeded = await seedIfHistory(start, {
      redisUrl: namespace.redisUrl,
      keyPrefix: namespace.keyPrefix,
      plan,
      partitions,
      rules,
    });
    return { plan, priorEvents: seeded?.eventsPerProfile ?? 0 };
  };
}

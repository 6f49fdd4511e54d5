import { expect, inject } from 'vitest';
import { runScenario } from '../../chaos/run-scenario.ts';
import type { ChaosOutcome, ChaosScenario } from '../../chaos/scenario.ts';

/**
 * Runs a chaos scenario at its short size on the suite's infrastructure and asserts that it
 * kept the promise: at least `minAcknowledged` events answered 200, none lost, counted twice,
 * missing from or doubled in the archive, every check of its own held, and it recovered.
 */
export async function expectShortScenarioKept(
  scenario: ChaosScenario,
  minAcknowledged: number,
): Promise<ChaosOutcome> {
  const outcome = await runScenario(scenario, {
    size: 'short',
    infra: {
      kafkaBrokers: inject('kafkaBrokers'),
      redisUrl: inject('redisUrl'),
      databaseUrl: inject('databaseUrl'),
    },
    log: (line) => console.log(`${scenario.name}: ${line}`),
  });
  const { tally } = outcome;
  expect(tally.acknowledged).toBeGreaterThan(minAcknowledged);
  expect(outcome.checks.filter((check) => !check.ok)).toEqual([]);
  expect({
    lost: tally.lost,
    countedTwice: tally.countedTwice,
    archivedMissing: tally.archivedMissing,
    archivedTwice: tally.archivedTwice,
    profilesWrong: tally.profilesWrong,
  }).toEqual({ lost: 0, countedTwice: 0, archivedMissing: 0, archivedTwice: 0, profilesWrong: 0 });
  expect(outcome.recoverMs).not.toBeNull();
  return outcome;
}

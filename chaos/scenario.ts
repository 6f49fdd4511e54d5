// The one interface every chaos scenario implements (chaos/scenarios/*.ts), and what it reports.
import type { InfraAddresses } from '../test/support/namespace.ts';
import type { BenchAuth } from '../bench/support/auth.ts';
import type { Tally } from './tally.ts';

/** `full` is the `npm run chaos` size; `short` the e2e suite's (a tenth of the events). */
export type ChaosSize = 'full' | 'short';

export interface ChaosContext {
  size: ChaosSize;
  /** The shared Kafka, Redis and PostgreSQL; scenarios work in namespaces of their own inside. */
  infra: InfraAddresses;
  /** Write key, token and the services' matching settings. */
  auth: BenchAuth;
  log(line: string): void;
  /** Runs after the scenario, last registered first, whether it succeeded or not. */
  defer(cleanup: () => Promise<void>): void;
}

/** What a scenario found: the table's columns plus its own raw figures. */
export interface ChaosOutcome {
  tally: Tally;
  /** From the fault's end until every acknowledged event was counted and archived; null: never. */
  recoverMs: number | null;
  /** Properties of the scenario beyond the tally that must hold, each with whether it did. */
  checks: Array<{ name: string; ok: boolean; detail: string }>;
  /** Everything measured, for the results file. */
  figures: Record<string, unknown>;
}

export interface ChaosScenario {
  /** For `--only` and the table. */
  name: string;
  /** One line: the fault and the load. */
  summary: string;
  run(context: ChaosContext): Promise<ChaosOutcome>;
}

/** True when the outcome keeps the promise: nothing lost or doubled, every check held. */
export function kept(outcome: ChaosOutcome): boolean {
  const { lost, countedTwice, archivedMissing, archivedTwice } = outcome.tally;
  return (
    lost + countedTwice + archivedMissing + archivedTwice === 0 &&
    outcome.recoverMs !== null &&
    outcome.checks.every((check) => check.ok)
  );
}

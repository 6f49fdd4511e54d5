import type { Namespace, InfraAddresses } from '../../test/support/namespace.ts';
import type { BenchAuth } from './auth.ts';
import type { BenchOptions } from './options.ts';
import type { NodeProcess } from '../../scripts/node-process.ts';
import type { Check } from './report.ts';
import { median } from './stats.ts';

export interface ScenarioContext {
  options: BenchOptions;
  infra: InfraAddresses;
  /** The scenario's own topics, key prefix and database; removed after it ran. */
  namespace: Namespace;
  auth: BenchAuth;
  /** Where PulseHub services write CPU profiles (with --cpu-prof). */
  cpuProfileDir: string | undefined;
  log(line: string): void;
  /** Runs after the scenario, last registered first, whether it succeeded or not. */
  defer(cleanup: () => Promise<void>): void;
}

export interface ScenarioOutcome {
  checks: Check[];
  /** The settings the scenario ran with, after defaults. */
  settings: Record<string, unknown>;
  /** Raw figures of every run, for the JSON results. */
  runs: unknown[];
}

export interface Scenario {
  name: string;
  /** One line: what is measured against what. */
  summary: string;
  /** Partitions of the namespace's topics. */
  partitions: number;
  run(context: ScenarioContext): Promise<ScenarioOutcome>;
}

/**
 * PulseHub against a baseline measured in the same runs: the medians of both, and the median
 * of the per-run ratios (each run's ratio compares figures taken minutes apart, not hours,
 * which is what makes it steadier than a ratio of medians on a shared machine).
 */
export function compareRuns(runs: ReadonlyArray<{ value: number; baseline: number }>): {
  value: number;
  baseline: number;
  ratio: number;
} {
  return {
    value: median(runs.map((run) => run.value)),
    baseline: median(runs.map((run) => run.baseline)),
    ratio: median(runs.map((run) => run.value / run.baseline)),
  };
}

/**
 * Measures PulseHub and its baseline once per run, alternating which goes first: a machine
 * that gets busier or quieter during the runs then weighs on both alike. `onRun` sees each
 * run as it completes (for progress lines).
 */
export async function alternateRuns<Measured, Baseline>(
  runs: number,
  measure: (run: number) => Promise<Measured>,
  baseline: (run: number) => Promise<Baseline>,
  onRun: (result: { run: number; measured: Measured; baseline: Baseline }) => void,
): Promise<Array<{ run: number; measured: Measured; baseline: Baseline }>> {
  const results = [];
  for (let run = 1; run <= runs; run++) {
    let measured: Measured;
    let base: Baseline;
    if (run % 2 === 1) {
      base = await baseline(run);
      measured = await measure(run);
    } else {
      measured = await measure(run);
      base = await baseline(run);
    }
    const result = { run, measured, baseline: base };
    onRun(result);
    results.push(result);
  }
  return results;
}

/** Throws with the process's last output when it is no longer running. */
export function assertRunning(process: NodeProcess): void {
  const { child } = process;
  if (child.exitCode !== null || child.signalCode !== null)
    throw new Error(
      `${process.name} exited (${child.exitCode ?? child.signalCode}):\n${process.output()}`,
    );
}

/** Seconds from the command line, else the scenario's default, as milliseconds. */
export function windowMs(context: ScenarioContext): { warmupMs: number; durationMs: number } {
  return {
    warmupMs: (context.options.warmupSeconds ?? 3) * 1_000,
    durationMs: (context.options.durationSeconds ?? 10) * 1_000,
  };
}

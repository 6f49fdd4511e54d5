// `npm run bench [-- scenario ... --options]`: measures PulseHub against baselines in the same
// run, prints the table and writes the raw figures to bench/results/. See
// docs/performance.md.
import path from 'node:path';
import { ensureInfrastructure, type RunningInfra } from '../infra/index.ts';
import { infraOptionsFromEnv } from '../scripts/supervisor/infra-options.ts';
import { createNamespace, type Namespace } from '../test/support/namespace.ts';
import { SCENARIOS } from './scenarios/index.ts';
import { benchAuth } from './support/auth.ts';
import { parseArgsOrExit } from '../scripts/command-line.ts';
import { parseBenchArgs, USAGE } from './support/options.ts';
import { formatTable, verdict, type Check, type ScenarioFailure } from './support/report.ts';
import {
  machineInfo,
  RESULTS_DIR,
  versions,
  writeRecord,
  type ScenarioRecord,
} from './support/results.ts';

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

const options = parseArgsOrExit(
  () =>
    parseBenchArgs(
      process.argv.slice(2),
      SCENARIOS.map((scenario) => scenario.name),
    ),
  USAGE,
);
const startedAt = new Date().toISOString();
let namespace: Namespace | undefined;
let cleanups: Array<() => Promise<void>> = [];

let cleaning: Promise<void> | undefined;

/** Runs the scenario's cleanups and removes its namespace; concurrent callers share one run. */
function runCleanups(): Promise<void> {
  cleaning ??= (async () => {
    for (const cleanup of cleanups.splice(0).reverse())
      await cleanup().catch((error: unknown) => say(`cleanup failed: ${String(error)}`));
    const current = namespace;
    namespace = undefined;
    await current?.dispose().catch((error: unknown) => say(`cleanup failed: ${String(error)}`));
  })().finally(() => (cleaning = undefined));
  return cleaning;
}

const infraStarting: Promise<RunningInfra> = ensureInfrastructure(infraOptionsFromEnv(say));
process.once('SIGINT', () => {
  say('\ninterrupted: cleaning up (Ctrl-C again to force)');
  void runCleanups()
    .then(() => infraStarting.then((infra) => infra.stop()))
    .finally(() => process.exit(130));
});
const infra = await infraStarting;
const record = {
  startedAt,
  command: process.argv.slice(2),
  options,
  machine: machineInfo(),
  versions: await versions(),
  scenarios: [] as ScenarioRecord[],
  failures: [] as ScenarioFailure[],
};
const checks: Check[] = [];
const auth = await benchAuth();
const cpuProfileRoot = options.cpuProf
  ? path.join(RESULTS_DIR, 'profiles', startedAt.replaceAll(':', '-'))
  : undefined;

for (const scenario of SCENARIOS.filter((s) => options.scenarios.includes(s.name))) {
  say(`\n▶ ${scenario.name}: ${scenario.summary}`);
  const began = Date.now();
  const entry: ScenarioRecord = {
    name: scenario.name,
    summary: scenario.summary,
    startedAt: new Date(began).toISOString(),
    seconds: 0,
    checks: [],
  };
  try {
    namespace = await createNamespace(infra, {
      idPrefix: 'bench',
      partitions: scenario.partitions,
    });
    const outcome = await scenario.run({
      options,
      infra,
      namespace,
      auth,
      cpuProfileDir: cpuProfileRoot && path.join(cpuProfileRoot, scenario.name),
      log: (line) => say(`  ${scenario.name}: ${line}`),
      defer: (cleanup) => cleanups.push(cleanup),
    });
    Object.assign(entry, outcome);
    checks.push(...outcome.checks);
    say(formatTable(outcome.checks, []));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    entry.error = error instanceof Error ? (error.stack ?? message) : message;
    record.failures.push({ scenario: scenario.name, message });
    say(`  ${scenario.name} failed: ${message}`);
  } finally {
    await runCleanups();
    cleanups = [];
    entry.seconds = (Date.now() - began) / 1_000;
    record.scenarios.push(entry);
  }
}

say(`\n${formatTable(checks, record.failures)}`);
const file = await writeRecord({ ...record, finishedAt: new Date().toISOString() });
say(`\nraw figures: ${path.relative(process.cwd(), file)}`);
if (cpuProfileRoot) say(`CPU profiles: ${path.relative(process.cwd(), cpuProfileRoot)}`);
await infra.stop();
const missed = checks.filter((check) => verdict(check) === 'fail').length;
process.exit(record.failures.length > 0 || missed > 0 ? 1 : 0);

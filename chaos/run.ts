// `npm run chaos [-- --only <name>] [--short]`: runs each chaos scenario against the whole
// system as `npm start` runs it, prints one table and writes the raw figures to
// .data/chaos/results-<time>.json. See docs/reliability.md.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { machineInfo, versions } from '../bench/support/results.ts';
import { ensureInfrastructure } from '../infra/index.ts';
import { infraOptionsFromEnv } from '../scripts/supervisor/infra-options.ts';
import { REPO_ROOT } from '../test/support/infra-settings.ts';
import { parseArgsOrExit } from '../scripts/command-line.ts';
import { parseChaosArgs, USAGE } from './options.ts';
import { formatChecks, formatTable, type ScenarioResult } from './report.ts';
import { runScenario } from './run-scenario.ts';
import { kept } from './scenario.ts';
import { SCENARIOS } from './scenarios/index.ts';

const RESULTS_DIR = path.join(REPO_ROOT, '.data', 'chaos');

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

const options = parseArgsOrExit(
  () =>
    parseChaosArgs(
      process.argv.slice(2),
      SCENARIOS.map((scenario) => scenario.name),
    ),
  USAGE,
);
const startedAt = new Date().toISOString();
const infra = await ensureInfrastructure(infraOptionsFromEnv(say));
process.once('SIGINT', () => {
  say('\ninterrupted: stopping the infrastructure this run started');
  void infra.stop().finally(() => process.exit(130));
});

const results: Array<ScenarioResult & { seconds: number }> = [];
for (const scenario of SCENARIOS.filter((s) => options.scenarios.includes(s.name))) {
  say(`\n▶ ${scenario.name} (${options.size}): ${scenario.summary}`);
  const began = Date.now();
  try {
    const outcome = await runScenario(scenario, {
      size: options.size,
      infra,
      log: (line) => say(`  ${scenario.name}: ${line}`),
    });
    results.push({ name: scenario.name, outcome, seconds: (Date.now() - began) / 1_000 });
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    say(`  ${scenario.name} failed: ${message}`);
    results.push({ name: scenario.name, error: message, seconds: (Date.now() - began) / 1_000 });
  }
}

say(`\n${formatTable(results)}\n\n${formatChecks(results)}`);
await mkdir(RESULTS_DIR, { recursive: true });
const file = path.join(
  RESULTS_DIR,
  `results-${startedAt.replaceAll(':', '-').replace(/\.\d+Z$/, 'Z')}.json`,
);
const record = {
  startedAt,
  finishedAt: new Date().toISOString(),
  command: process.argv.slice(2),
  options,
  machine: machineInfo(),
  versions: await versions(),
  results,
};
await writeFile(file, `${JSON.stringify(record, null, 2)}\n`);
say(`\nraw figures: ${path.relative(process.cwd(), file)}`);
await infra.stop();
process.exit(results.every((result) => 'outcome' in result && kept(result.outcome)) ? 0 : 1);

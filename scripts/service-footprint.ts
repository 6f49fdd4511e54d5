// `npm run footprint`: start-up time and resident memory of every service, run from the
// sources under tsx and from the build (`npm run build`) on plain node. Starts (or reuses) the
// infrastructure as `npm start` does, works in a namespace of its own (topics, Redis key
// prefix, database; removed afterwards), and starts the services one at a time in `npm
// start`'s order, each once the previous answers /ready. Prints the median of the rounds.
import { parseArgs } from 'node:util';
import { ensureInfrastructure } from '../infra/index.ts';
import { startChildSystem, type ServiceName } from '../test/support/child-system.ts';
import { createNamespace } from '../test/support/namespace.ts';
import { parseArgsOrExit, UsageError } from './command-line.ts';
import { assertBuildIsCurrent, type ServiceRuntime } from './service-runtime.ts';
import { infraOptionsFromEnv } from './supervisor/infra-options.ts';

const USAGE = `usage: npm run footprint -- [--rounds N]

Starts every service under tsx and from the build (dist/, \`npm run build\` first), one at a
time, and prints the start-up time (spawn to GET /ready 200) and RSS after ready of each,
the median of N rounds (default 3).`;

const MODES: readonly ServiceRuntime[] = ['tsx', 'built'];

const { rounds } = parseArgsOrExit(() => {
  const { values } = parseArgs({
    options: { rounds: { type: 'string', default: '3' }, help: { type: 'boolean' } },
  });
  if (values.help) return 'help';
  const count = Number(values.rounds);
  if (!Number.isInteger(count) || count < 1) throw new UsageError('--rounds must be 1 or more');
  return { rounds: count };
}, USAGE);

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

async function main(): Promise<void> {
  await assertBuildIsCurrent(['gateway/main.ts']);
  const infra = await ensureInfrastructure(infraOptionsFromEnv((line) => console.log(line)));
  const namespace = await createNamespace(infra, { idPrefix: 'footprint' });
  const samples = new Map<string, { startupMs: number[]; rssBytes: number[] }>();
  try {
    for (let round = 1; round <= rounds; round += 1)
      for (const mode of MODES) {
        const system = await startChildSystem(namespace, mode);
        await system.stop();
        for (const service of system.services) {
          const key = `${service.name}\t${mode}`;
          const sample = samples.get(key) ?? { startupMs: [], rssBytes: [] };
          sample.startupMs.push(service.startupMs);
          sample.rssBytes.push(service.rssBytes);
          samples.set(key, sample);
        }
        console.log(`round ${round}/${rounds} ${mode}: done`);
      }
  } finally {
    await namespace.dispose();
    await infra.stop();
  }
  const rows = [...samples].map(([key, sample]) => {
    const [service, mode] = key.split('\t') as [ServiceName, ServiceRuntime];
    return [
      service,
      mode,
      median(sample.startupMs).toFixed(0),
      (median(sample.rssBytes) / 2 ** 20).toFixed(0),
    ];
  });
  rows.sort(
    (a, b) => (a[0] ?? '').localeCompare(b[0] ?? '') || (b[1] ?? '').localeCompare(a[1] ?? ''),
  );
  console.log(`\nmedian of ${rounds} rounds, node ${process.version}\n`);
  console.log('| service   | mode  | start-up ms | RSS MiB |');
  console.log('| --------- | ----- | ----------- | ------- |');
  for (const [service, mode, startup, rss] of rows)
    console.log(
      `| ${service?.padEnd(9)} | ${mode?.padEnd(5)} | ${startup?.padStart(11)} | ${rss?.padStart(7)} |`,
    );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../test/support/infra-settings.ts';
import type { BenchOptions } from './options.ts';
import type { Check, ScenarioFailure } from './report.ts';

export const RESULTS_DIR = path.join(REPO_ROOT, 'bench', 'results');

/** The packages whose versions decide the figures: PulseHub's stack and the baselines'. */
const PACKAGES = [
  'kafkajs',
  'ioredis',
  'pg',
  'pg-copy-streams',
  'graphql',
  'graphql-ws',
  'ws',
  '@apollo/server',
  '@apollo/gateway',
  '@graphql-hive/gateway-runtime',
];

export interface ScenarioRecord {
  name: string;
  summary: string;
  startedAt: string;
  seconds: number;
  settings?: Record<string, unknown>;
  runs?: unknown[];
  checks: Check[];
  error?: string;
}

export interface BenchRecord {
  startedAt: string;
  finishedAt: string;
  command: string[];
  options: BenchOptions;
  machine: Record<string, unknown>;
  versions: Record<string, string>;
  scenarios: ScenarioRecord[];
  failures: ScenarioFailure[];
}

export function machineInfo(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    platform: os.platform(),
    release: os.release(),
    arch: os.arch(),
    cpuModel: cpus[0]?.model ?? 'unknown',
    cpus: cpus.length,
    availableParallelism: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    loadAverageAtStart: os.loadavg(),
  };
}

async function packageVersion(name: string): Promise<string> {
  try {
    const file = path.join(REPO_ROOT, 'node_modules', name, 'package.json');
    return (JSON.parse(await readFile(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

function gitDescribe(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: REPO_ROOT }).length > 0;
    return dirty ? `${commit} (uncommitted changes)` : commit;
  } catch {
    return 'unknown';
  }
}

export async function versions(): Promise<Record<string, string>> {
  const entries = await Promise.all(
    PACKAGES.map(async (name) => [name, await packageVersion(name)] as const),
  );
  return { node: process.version, pulsehub: gitDescribe(), ...Object.fromEntries(entries) };
}

/** Writes the record as `bench/results/<time>.json` and `latest.json`; returns the first path. */
export async function writeRecord(record: BenchRecord): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const stamp = record.startedAt.replaceAll(':', '-').replace(/\.\d+Z$/, 'Z');
  const file = path.join(RESULTS_DIR, `${stamp}.json`);
  const text = `${JSON.stringify(record, null, 2)}\n`;
  await writeFile(file, text);
  await writeFile(path.join(RESULTS_DIR, 'latest.json'), text);
  return file;
}

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from '../../test/support/infra-settings.ts';

/** A Node.js process the benchmark started: a service under test, a baseline or a load generator. */
export interface NodeProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** The last lines it printed, for failure messages. */
  output(): string;
  /** Resident memory of the process now, bytes. */
  rssBytes(): Promise<number>;
  /** SIGTERM, SIGKILL after `timeoutMs`; resolves once it is gone. */
  stop(timeoutMs?: number): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  /** Entry file relative to the repository root. */
  entry: string;
  args?: string[];
  env?: Record<string, string>;
  /** Extra Node.js flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
  /** Resolves true once the process serves; polled until `readyTimeoutMs`. */
  ready?: () => Promise<boolean>;
  readyTimeoutMs?: number;
  /** An IPC channel (load generators talk to the benchmark over it). */
  ipc?: boolean;
}

const OUTPUT_LIMIT = 16_384; // characters of output kept per process
const TSX_LOADER = import.meta.resolve('tsx');
const live = new Set<ChildProcess>();

// Whatever ends the benchmark, no process it started outlives it.
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!match?.[1]) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

export async function spawnNode(options: SpawnOptions): Promise<NodeProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      TSX_LOADER,
      ...(options.nodeFlags ?? []),
      path.join(REPO_ROOT, options.entry),
      ...(options.args ?? []),
    ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? ['ipc' as const] : [])],
    },
  );
  live.add(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = once(child, 'exit').then(() => {
    live.delete(child);
  });
  const running = () => child.exitCode === null && child.signalCode === null;

  const process_: NodeProcess = {
    name: options.name,
    child,
    output: () => output,
    rssBytes: () => {
      if (child.pid === undefined) throw new Error(`${options.name} has no pid`);
      return rssOf(child.pid);
    },
    async stop(timeoutMs = 10_000) {
      if (!running()) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };

  const { ready } = options;
  if (ready) {
    const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
    for (;;) {
      if (!running())
        throw new Error(
          `${options.name} exited with ${child.exitCode ?? child.signalCode}:\n${output}`,
        );
      if (await ready().catch(() => false)) break;
      if (Date.now() > deadline) {
        await process_.stop();
        throw new Error(`${options.name} not ready within the timeout:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return process_;
}

/** True when GET `url` answers 200. */
export async function answers200(url: string): Promise<boolean> {
  const response = await fetch(url).catch(() => undefined);
  await response?.body?.cancel();
  return response?.status === 200;
}

/** True when a GraphQL endpoint answers `{ __typename }`. */
export async function answersGraphQL(url: string): Promise<boolean> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ __typename }' }),
  }).catch(() => undefined);
  if (response === undefined) return false;
  const body = (await response.json().catch(() => undefined)) as { data?: unknown } | undefined;
  return response.status === 200 && body?.data !== undefined;
}

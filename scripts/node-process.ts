// Node.js processes started from the tests and the benchmark: a service's `main.ts`, a baseline
// server or a load generator, each run with the tsx loader from the repository root (a service
// may run from the build instead: service-runtime.ts). The supervisor of `npm start` has its
// own (scripts/supervisor/child.ts): it prefixes every line to the terminal and owns process
// groups, which none of these want.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { REPO_ROOT } from '../schema/repo-root.ts';
import { nodeArgsFor, type ServiceRuntime } from './service-runtime.ts';

export interface NodeProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** What it printed (stdout and stderr), at most the last `outputLimit` characters. */
  output(): string;
  /** Resident memory of the process now, bytes. */
  rssBytes(): Promise<number>;
  /** SIGKILL: no shutdown hooks run, as in a crash. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM, SIGKILL after `timeoutMs` (default 10 s); resolves once it is gone. */
  stop(timeoutMs?: number): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  /** Entry file (a .ts source) relative to the repository root. */
  entry: string;
  /** The source under tsx (default), or its compiled file from `npm run build` on plain node. */
  runtime?: ServiceRuntime;
  args?: string[];
  /** Added to this process's environment. */
  env?: Record<string, string>;
  /** Extra Node.js flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
  /**
   * Resolves true once the process serves; polled until `readyTimeoutMs` (default 60 s). A
   * process that exits meanwhile, or is not ready in time (it is stopped then), fails the spawn.
   */
  ready?: () => Promise<boolean>;
  readyTimeoutMs?: number;
  /** An IPC channel (load generators talk to the benchmark over it). */
  ipc?: boolean;
  /** Characters of output kept. Default: all of it, for assertions on what a service said. */
  outputLimit?: number;
}

/** Characters of output the benchmark keeps per process: the last lines, for failure messages. */
export const OUTPUT_TAIL = 16_384;

/**
 * The environment of a service's `main.ts` serving on 127.0.0.1:`port` (on top of the
 * settings pointing it at its sandbox): the committed configuration alone, no profile.
 */
export function serviceEnv(port: number): Record<string, string> {
  return { PULSEHUB_PROFILES: '', HTTP_HOST: '127.0.0.1', HTTP_PORT: String(port) };
}

const live = new Set<ChildProcess>();

// Whatever ends the test run or the benchmark, no process it started outlives it.
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function spawnEntry(options: SpawnOptions): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      ...nodeArgsFor(options.runtime ?? 'tsx', options.entry, { flags: options.nodeFlags ?? [] }),
      ...(options.args ?? []),
    ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? ['ipc' as const] : [])],
    },
  );
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!match?.[1]) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

export async function spawnNode(options: SpawnOptions): Promise<NodeProcess> {
  const child = spawnEntry(options);
  const limit = options.outputLimit ?? Number.POSITIVE_INFINITY;
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > limit) output = output.slice(-limit);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const running = () => child.exitCode === null && child.signalCode === null;
  const gone = (): Promise<number | null> => (running() ? exited : Promise.resolve(child.exitCode));

  const spawned: NodeProcess = {
    name: options.name,
    child,
    output: () => output,
    rssBytes: () => {
      if (child.pid === undefined) throw new Error(`${options.name} has no pid`);
      return rssOf(child.pid);
    },
    async kill() {
      child.kill('SIGKILL');
      await gone();
    },
    async stop(timeoutMs = 10_000) {
      if (!running()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await gone();
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
        await spawned.stop();
        throw new Error(`${options.name} not ready within the timeout:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return spawned;
}

/**
 * Runs an entry expecting it to exit on its own (a refused start); resolves its exit code, its
 * output and its stderr alone. Kills it after `timeoutMs`.
 */
export async function runNodeUntilExit(
  options: Pick<SpawnOptions, 'entry' | 'args' | 'env' | 'runtime'> & { timeoutMs?: number },
): Promise<{ code: number | null; output: string; stderr: string }> {
  let output = '';
  let stderr = '';
  const child = spawnEntry({ name: options.entry, ...options });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  // 'close', not 'exit': only then has everything the child printed been read.
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  return { code, output, stderr };
}

/** A TCP port that was free a moment ago (the OS picks it), for a child to listen on. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port assigned');
  return address.port;
}

/** True when GET `url` answers 200 within `timeoutMs`: a hung server is not ready either. */
export async function answers200(url: string, timeoutMs = 5_000): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) }).catch(
    () => undefined,
  );
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

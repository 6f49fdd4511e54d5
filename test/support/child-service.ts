import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { REPO_ROOT } from './infra-settings.ts';
import { eventually } from './http.ts';
import type { Sandbox } from './isolation.ts';

export interface ChildService {
  readonly process: ChildProcess;
  readonly port: number;
  /** Everything the service printed, for assertions and failure messages. */
  output(): string;
  /** SIGKILL: no shutdown hooks run, as in a crash. Resolves when the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<number | null>;
}

/** The environment overrides that point a service at a sandbox (see config/application.yml). */
export function sandboxEnv(
  sandbox: Pick<
    Sandbox,
    'id' | 'kafkaBrokers' | 'topics' | 'redisUrl' | 'keyPrefix' | 'databaseUrl'
  >,
): Record<string, string> {
  return {
    KAFKA_BROKERS: sandbox.kafkaBrokers,
    TOPICS_EVENTS: sandbox.topics.events,
    TOPICS_DEAD_LETTER: sandbox.topics.deadLetter,
    TOPICS_CHANGELOG: sandbox.topics.changelog,
    REDIS_URL: sandbox.redisUrl,
    REDIS_KEY_PREFIX: sandbox.keyPrefix,
    DATABASE_URL: sandbox.databaseUrl,
    // The archiver's changelog consumer group; a shared default would mix sandboxes' members.
    SNAPSHOTS_GROUP_ID: `${sandbox.id}-archiver-snapshots`,
    LOG_LEVEL: 'warn',
    // Local files only: a config service on this machine (npm start) belongs to no sandbox.
    CONFIG_SERVER_ENABLED: 'false',
  };
}

/**
 * Runs a service's real `main.ts` as its own process (as `npm start` does), for tests that
 * crash it. Resolves once its `/ready` answers 200.
 */
export async function spawnService(
  entry: string,
  port: number,
  env: Record<string, string>,
): Promise<ChildService> {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, entry)], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      PULSEHUB_PROFILES: '',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(port),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const gone = async (): Promise<number | null> =>
    child.exitCode !== null || child.signalCode !== null ? child.exitCode : exited;
  await eventually(async () => {
    if (child.exitCode !== null)
      throw new Error(`${entry} exited with ${child.exitCode}:\n${output}`);
    const response = await fetch(`http://127.0.0.1:${port}/ready`).catch(() => undefined);
    return response?.status === 200 ? true : undefined;
  }, 60_000);
  return {
    process: child,
    port,
    output: () => output,
    async kill() {
      child.kill('SIGKILL');
      await gone();
    },
    async stop() {
      child.kill('SIGTERM');
      return gone();
    },
  };
}

/** A TCP port that was free a moment ago (the OS picks it), for a child service to listen on. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port assigned');
  return address.port;
}

/**
 * Runs a service's `main.ts` expecting it to exit on its own (a refused start); resolves its
 * exit code and output. Kills it after `timeoutMs`.
 */
export async function runUntilExit(
  entry: string,
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<{ code: number | null; output: string; stderr: string }> {
  let output = '';
  let stderr = '';
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, entry)], {
    cwd: REPO_ROOT,
    env: { ...process.env, PULSEHUB_PROFILES: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // On its own too: a refused start says why on stderr (runService).
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  // 'close', not 'exit': only then has everything the child printed been read.
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  return { code, output, stderr };
}

import type { ChildProcess } from 'node:child_process';
import { answers200, runNodeUntilExit, serviceEnv, spawnNode } from '../../scripts/node-process.ts';
import { runtimeFromEnv } from '../../scripts/service-runtime.ts';
import type { Sandbox } from './isolation.ts';

// With the rest of what a test needs to run a service as a child process.
export { freePort } from '../../scripts/node-process.ts';

export interface ChildService {
  readonly process: ChildProcess;
  readonly port: number;
  /** Everything the service printed, for assertions and failure messages. */
  output(): string;
  /** SIGKILL: no shutdown hooks run, as in a crash. Resolves when the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit (SIGKILL after a minute); resolves the exit code. */
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

// PULSEHUB_RUNTIME=built runs the services from the build (npm run build), as in production.
const runtime = runtimeFromEnv(process.env);

/**
 * Runs a service's real `main.ts` as its own process (as `npm start` does), for tests that
 * crash it. Resolves once its `/ready` answers 200.
 */
export async function spawnService(
  entry: string,
  port: number,
  env: Record<string, string>,
): Promise<ChildService> {
  const spawned = await spawnNode({
    name: entry,
    entry,
    runtime,
    env: { ...serviceEnv(port), ...env },
    ready: () => answers200(`http://127.0.0.1:${port}/ready`),
  });
  return {
    process: spawned.child,
    port,
    output: () => spawned.output(),
    kill: () => spawned.kill(),
    // A clean stop takes seconds; a service still running after a minute is killed (null).
    async stop() {
      await spawned.stop(60_000);
      return spawned.child.exitCode;
    },
  };
}

/**
 * Runs a service's `main.ts` expecting it to exit on its own (a refused start); resolves its
 * exit code and output. Kills it after `timeoutMs`.
 */
export function runUntilExit(
  entry: string,
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<{ code: number | null; output: string; stderr: string }> {
  // stderr also comes back on its own: a refused start says why there (runService).
  return runNodeUntilExit({ entry, runtime, env: { PULSEHUB_PROFILES: '', ...env }, timeoutMs });
}

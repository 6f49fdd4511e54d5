import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from './child-service.ts';
import { eventually } from './http.ts';

const REDIS_SERVER = '/usr/bin/redis-server';

/**
 * A redis-server of our own on a free port, for tests and chaos scenarios that kill Redis (the
 * machine's shared Redis is never stopped). It persists to an append-only file in a temporary
 * directory (appendfsync everysec, no RDB snapshots), so it can be restarted from its
 * persistence, started empty, or started from an older copy of its files.
 */
export interface OwnRedis {
  readonly port: number;
  readonly url: string;
  /** kill -9: nothing is flushed beyond what the AOF already holds. Resolves when it is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port from what its directory holds; resolves on PING. */
  restart(): Promise<void>;
  /** Deletes its files (while it is down), so the next restart is empty. */
  wipe(): Promise<void>;
  /** Copies its files now (a backup, as an operator would restore one) under `name`. */
  backup(name: string): Promise<void>;
  /** Replaces its files (while it is down) with backup `name`. */
  restoreBackup(name: string): Promise<void>;
  /** Stops it and deletes its files. */
  dispose(): Promise<void>;
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'pulsehub-redis-'));
  const dataDir = path.join(scratch, 'data');
  const backupDir = (name: string) => path.join(scratch, `backup-${name}`);
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    await mkdir(dataDir, { recursive: true });
    const started = spawn(
      REDIS_SERVER,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dataDir,
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'everysec',
      ],
      { stdio: 'ignore' },
    );
    child = started;
    const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null });
    probe.on('error', () => undefined); // refused until it listens: expected
    try {
      await eventually(async () => {
        if (started.exitCode !== null) throw new Error(`redis-server exited: ${started.exitCode}`);
        await probe.connect().catch(() => undefined);
        return (await probe.ping().catch(() => undefined)) === 'PONG' ? true : undefined;
      }, 30_000);
    } finally {
      probe.disconnect();
    }
  }

  async function kill(): Promise<void> {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    running.kill('SIGKILL');
    await exited;
  }

  await start();
  return {
    port,
    url,
    kill,
    restart: start,
    wipe: () => rm(dataDir, { recursive: true, force: true }),
    backup: (name) => cp(dataDir, backupDir(name), { recursive: true }),
    async restoreBackup(name) {
      await rm(dataDir, { recursive: true, force: true });
      await cp(backupDir(name), dataDir, { recursive: true });
    },
    async dispose() {
      await kill();
      await rm(scratch, { recursive: true, force: true });
    },
  };
}

/**
 * Inside a `describe`: a redis-server of its own for the block's tests (started before them,
 * disposed after) and a client of it. Returns the client; call it inside the tests.
 */
export function useOwnRedis(): () => Redis {
  let server: OwnRedis | undefined;
  let client: Redis | undefined;
  beforeAll(async () => {
    server = await startOwnRedis();
    client = new Redis(server.url);
  });
  afterAll(async () => {
    client?.disconnect();
    await server?.dispose();
  });
  return () => {
    if (client === undefined) throw new Error('the own Redis is not started yet');
    return client;
  };
}

// What starting and probing a local redis-server share, for one server (redis.ts) and for
// the nodes of a local cluster (redis-cluster.ts).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RedisOptions } from 'ioredis';
import { startProcess, type ManagedProcess } from './process.ts';

/**
 * The options of a probe's connection: one attempt, no queue, a short bound. The callers
 * decide whether and how long to retry (they poll), so ioredis must not retry behind them.
 */
export const ONE_ATTEMPT = {
  lazyConnect: true,
  retryStrategy: () => null,
  maxRetriesPerRequest: 0,
  enableOfflineQueue: false,
  connectTimeout: 2000,
} as const satisfies RedisOptions;

/**
 * A redis-server on 127.0.0.1:`port` with its data in `dir` (created), logging to
 * <dir>/redis.log, with append-only persistence, so a restart of `npm start` keeps profiles
 * and counters; `extraArgs` add to that (a cluster node's settings).
 */
export function startRedisServer(options: {
  name: string;
  command: string;
  port: number;
  dir: string;
  extraArgs?: readonly string[];
}): Promise<ManagedProcess> {
  mkdirSync(options.dir, { recursive: true });
  return startProcess({
    name: options.name,
    command: options.command,
    args: [
      '--port',
      String(options.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      options.dir,
      '--appendonly',
      'yes',
      // In the foreground, logging to stdout (the default), which goes to redis.log.
      '--daemonize',
      'no',
      ...(options.extraArgs ?? []),
    ],
    logFile: join(options.dir, 'redis.log'),
    // SIGTERM makes Redis flush the append-only file (and a node its nodes.conf), and exit.
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 30_000,
  });
}

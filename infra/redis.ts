// Redis: use the configured server when it answers PING, otherwise run redis-server with
// append-only persistence under <dataDir>/redis, so profiles survive a restart.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { requireExecutable } from './executables.ts';
import type { ManagedProcess } from './process.ts';
import { startProcess } from './process.ts';
import { isLoopbackHost, isPortOpen, seconds, urlHostPort, waitUntil } from './reachability.ts';
import type { InfraOptions } from './types.ts';

/** PING the server once; resolves to its version, rejects when it does not answer. */
async function pingRedis(url: string): Promise<string> {
  const client = new Redis(url, {
    lazyConnect: true,
    // One attempt: the caller decides whether and how long to retry.
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: 2000,
  });
  // Failures surface through connect()/ping(); without a listener ioredis prints them too.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    const info = await client.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } finally {
    client.disconnect();
  }
}

export async function ensureRedis(options: InfraOptions): Promise<ManagedProcess | undefined> {
  const url = new URL(options.redisUrl);
  const { host, port } = urlHostPort(url, 6379);
  const address = `${host}:${port}`;

  if (await isPortOpen(host, port)) {
    try {
      await pingRedis(options.redisUrl);
    } catch (error) {
      // Listening but not answering: a wrong password, or not Redis at all. Say so clearly.
      throw new Error(
        `something listens on ${address} but does not answer Redis PING: ${String(error)}`,
      );
    }
    options.log(`redis: using ${address} (already running)`);
    return undefined;
  }
  if (!isLoopbackHost(host)) {
    throw new Error(`no Redis reachable at ${address}, and it is not on this machine to start it`);
  }

  const redisServer = requireExecutable(
    'redis-server',
    `to start Redis on ${address} (or start Redis yourself and set REDIS_URL)`,
  );
  const dir = join(options.dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  const server = await startProcess({
    name: 'redis-server',
    command: redisServer,
    args: [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      // Every write is logged, so a restart of `npm start` keeps profiles and counters.
      '--appendonly',
      'yes',
      // In the foreground, logging to stdout (the default), which goes to redis.log.
      '--daemonize',
      'no',
    ],
    logFile: join(dir, 'redis.log'),
    // SIGTERM makes Redis flush the append-only file and exit.
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 30_000,
  });
  let version = 'unknown';
  try {
    await waitUntil(
      async () => {
        version = await pingRedis(options.redisUrl);
        return true;
      },
      {
        what: `Redis to answer PING on ${address}`,
        timeoutMs: 30_000,
        intervalMs: 100,
        process: server,
      },
    );
  } catch (error) {
    await server.stop();
    throw error;
  }
  options.log(`redis: started redis-server ${version} on ${address} in ${seconds(started)}`);
  return server;
}

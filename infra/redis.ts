// Redis: use the configured server when it answers PING, otherwise run redis-server with
// append-only persistence under <dataDir>/redis, so profiles survive a restart. A cluster
// address (redis+cluster://…) goes to infra/redis-cluster.ts.
import { join } from 'node:path';
import { connectRedis } from '../lib/redis.ts';
import { parseRedisAddress } from '../lib/redis-address.ts';
import { requireExecutable } from './executables.ts';
import type { ManagedProcess } from './process.ts';
import { ensureRedisCluster } from './redis-cluster.ts';
import { ONE_ATTEMPT, startRedisServer } from './redis-server.ts';
import { isLoopbackHost, isPortOpen, seconds, urlHostPort, waitUntil } from './reachability.ts';
import type { InfraOptions } from './types.ts';

/** PING the server once; resolves to its version, rejects when it does not answer. */
async function pingRedis(url: string): Promise<string> {
  const client = connectRedis(url, ONE_ATTEMPT);
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
  const parsed = parseRedisAddress(options.redisUrl);
  if (parsed.kind === 'cluster') return ensureRedisCluster(options, parsed);
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
  const started = Date.now();
  const server = await startRedisServer({
    name: 'redis-server',
    command: redisServer,
    port,
    dir: join(options.dataDir, 'redis'),
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

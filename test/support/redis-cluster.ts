import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { ManagedProcess } from '../../infra/process.ts';
import { isPortOpen } from '../../infra/reachability.ts';
import { ensureRedis } from '../../infra/redis.ts';
import type { InfraOptions } from '../../infra/types.ts';
import { connectRedis, type RedisClient } from '../../lib/redis.ts';

/**
 * Three consecutive free ports whose cluster bus ports (+10000) are free too, so below 55536.
 * Chosen at random in a range the system does not hand out as ephemeral ports.
 */
export async function freeClusterPorts(): Promise<number[]> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 9_000);
    const ports = [base, base + 1, base + 2];
    const taken = await Promise.all(
      ports.flatMap((port) => [
        isPortOpen('127.0.0.1', port),
        isPortOpen('127.0.0.1', port + 10_000),
      ]),
    );
    if (!taken.some(Boolean)) return ports;
  }
}

/** A three-master Redis Cluster of a test's own, on free ports, its data in a temporary folder. */
export interface OwnRedisCluster {
  /** `redis+cluster://` with the three seeds. */
  url: string;
  /** Stops every node (SIGTERM: they save) and starts them again from their files. */
  restart(): Promise<void>;
  dispose(): Promise<void>;
}

export async function startOwnRedisCluster(): Promise<OwnRedisCluster> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pulsehub-redis-cluster-'));
  const ports = await freeClusterPorts();
  const url = `redis+cluster://${ports.map((port) => `127.0.0.1:${port}`).join(',')}`;
  const options: InfraOptions = {
    dataDir,
    cacheDir: dataDir,
    kafkaBrokers: '',
    redisUrl: url,
    databaseUrl: '',
    log: () => undefined,
  };
  const start = async (): Promise<ManagedProcess> => {
    const cluster = await ensureRedis(options);
    if (cluster === undefined) throw new Error(`something already answers at ${url}`);
    return cluster;
  };
  let nodes = await start();
  return {
    url,
    async restart() {
      await nodes.stop();
      nodes = await start();
    },
    async dispose() {
      await nodes.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Inside a `describe`: an own cluster for the block's tests and a cluster client of it (auto-
 * pipelined, as the services' clients are). Returns the client; call it inside the tests.
 */
export function useOwnRedisCluster(): () => RedisClient {
  let cluster: OwnRedisCluster | undefined;
  let client: RedisClient | undefined;
  beforeAll(async () => {
    cluster = await startOwnRedisCluster();
    client = connectRedis(cluster.url, { enableAutoPipelining: true });
    await client.ping(); // the client knows the slot map from here on
  }, 60_000);
  afterAll(async () => {
    client?.disconnect();
    await cluster?.dispose();
  });
  return () => {
    if (client === undefined) throw new Error('the own cluster is not started yet');
    return client;
  };
}

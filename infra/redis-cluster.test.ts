import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import calculateSlot from 'cluster-key-slot';
import { afterAll, describe, expect, it } from 'vitest';
import { connectRedis, primaries } from '../lib/redis.ts';
import type { ManagedProcess } from './process.ts';
// Unit tests may use test/support/ (docs/layout.md).
import { freeClusterPorts } from '../test/support/redis-cluster.ts';
import { isPortOpen } from './reachability.ts';
import { slotRanges } from './redis-cluster.ts';
import { ensureRedis } from './redis.ts';
import type { InfraOptions } from './types.ts';

/** A key whose slot lies in `range`: `k<n>` for the first n that hashes there. */
function keyIn(range: { first: number; last: number }): string {
  for (let n = 0; ; n++) {
    const slot = calculateSlot(`k${n}`);
    if (slot >= range.first && slot <= range.last) return `k${n}`;
  }
}

describe('slot ranges of a local cluster', () => {
  it('splits 0..16383 into equal consecutive ranges', () => {
    expect(slotRanges(3)).toEqual([
      { first: 0, last: 5460 },
      { first: 5461, last: 10921 },
      { first: 10922, last: 16383 },
    ]);
    expect(slotRanges(1)).toEqual([{ first: 0, last: 16383 }]);
  });
});

describe('a local Redis Cluster from ensureRedis', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('starts three masters serving every slot, and forms again from nodes.conf after a stop', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pulsehub-redis-cluster-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const ports = await freeClusterPorts();
    const redisUrl = `redis+cluster://${ports.map((port) => `127.0.0.1:${port}`).join(',')}`;
    const lines: string[] = [];
    const options: InfraOptions = {
      dataDir,
      cacheDir: dataDir,
      kafkaBrokers: '',
      redisUrl,
      databaseUrl: '',
      log: (line) => lines.push(line),
    };
    const start = async (): Promise<ManagedProcess> => {
      const cluster = await ensureRedis(options);
      if (cluster === undefined) throw new Error('expected the cluster to be started here');
      cleanups.push(() => cluster.stop());
      return cluster;
    };

    const first = await start();
    expect(lines.at(-1)).toMatch(/^redis: started a 3-master Redis Cluster/);
    const keys = slotRanges(3).map(keyIn);
    const client = connectRedis(redisUrl, { enableAutoPipelining: true });
    try {
      await Promise.all(keys.map((key) => client.set(key, `value of ${key}`)));
      expect(await Promise.all(keys.map((key) => client.get(key)))).toEqual(
        keys.map((key) => `value of ${key}`),
      );
      // One key on each master: the keys really are spread over the three nodes.
      const sizes = await Promise.all(primaries(client).map((node) => node.dbsize()));
      expect(sizes).toEqual([1, 1, 1]);
    } finally {
      client.disconnect();
    }

    // Answering now, so a second ensureRedis reuses it and starts nothing.
    expect(await ensureRedis(options)).toBeUndefined();
    expect(lines.at(-1)).toMatch(/already running/);

    await first.stop();
    expect(first.isRunning()).toBe(false);
    expect(await isPortOpen('127.0.0.1', ports[0] as number)).toBe(false);

    // Restarted from its nodes.conf and append-only files: the same cluster, the same data.
    await start();
    const again = connectRedis(redisUrl);
    try {
      expect(await Promise.all(keys.map((key) => again.get(key)))).toEqual(
        keys.map((key) => `value of ${key}`),
      );
    } finally {
      again.disconnect();
    }
  }, 60_000);
});

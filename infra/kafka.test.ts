import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../scripts/node-process.ts';
import { ensureKafka } from './kafka.ts';

describe('ensureKafka with several local addresses', () => {
  let listener: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => listener?.close(resolve) ?? resolve(undefined));
    listener = undefined;
  });

  it('refuses to start brokers beside a part of the cluster that already listens', async () => {
    listener = createServer();
    await new Promise<void>((resolve) => listener?.listen(0, '127.0.0.1', resolve));
    const address = listener.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const silent = await freePort();
    const start = ensureKafka({
      dataDir: '/nonexistent',
      cacheDir: '/nonexistent',
      kafkaBrokers: `127.0.0.1:${address.port},127.0.0.1:${silent}`,
      redisUrl: '',
      databaseUrl: '',
      log: () => undefined,
    });
    await expect(start).rejects.toThrow(
      new RegExp(
        `only part of the local Kafka cluster .*nothing listens on 127\\.0\\.0\\.1:${silent}`,
      ),
    );
  });
});

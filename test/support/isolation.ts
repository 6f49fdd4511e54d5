import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { inject } from 'vitest';
import { ensureTopics } from '../../lib/kafka/topics.ts';
import { parseBrokers } from '../../lib/kafka/client.ts';
import { runMigrations } from '../../schema/db/migrate.ts';
import { topicSpecs, type TopicNames } from '../../schema/topics.ts';
import { deleteKeysWithPrefix } from './redis-cleanup.ts';

export { deleteKeysWithPrefix };

/**
 * A namespace of its own for one test file inside the shared Kafka, Redis and PostgreSQL:
 * its own topics, Redis key prefix and database, so tests never see each other's data.
 */
export interface Sandbox {
  id: string;
  kafkaBrokers: string;
  redisUrl: string;
  keyPrefix: string;
  databaseUrl: string;
  topics: TopicNames;
  /** Settings shared by every service, to pass as config overrides. */
  sharedOverrides: Record<string, unknown>;
  dispose(): Promise<void>;
}

function databaseUrlFor(baseUrl: string, database: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function createSandbox(options: { partitions?: number } = {}): Promise<Sandbox> {
  const id = `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const kafkaBrokers = inject('kafkaBrokers');
  const redisUrl = inject('redisUrl');
  const topics: TopicNames = {
    events: `${id}.events`,
    deadLetter: `${id}.events.dlq`,
    changelog: `${id}.changelog`,
  };
  await ensureTopics(parseBrokers(kafkaBrokers), topicSpecs(topics, options.partitions ?? 3));

  const database = `pulsehub_${id}`;
  const admin = new pg.Client({
    connectionString: databaseUrlFor(inject('databaseUrl'), 'postgres'),
  });
  await admin.connect();
  await admin.query(`create database "${database}"`);
  await admin.end();
  const databaseUrl = databaseUrlFor(inject('databaseUrl'), database);
  await runMigrations(databaseUrl);

  const keyPrefix = `${id}:`;
  return {
    id,
    kafkaBrokers,
    redisUrl,
    keyPrefix,
    databaseUrl,
    topics,
    sharedOverrides: {
      kafka: { brokers: kafkaBrokers },
      topics: { ...topics, partitions: options.partitions ?? 3 },
      redis: { url: redisUrl, keyPrefix },
      database: { url: databaseUrl },
      log: { level: 'warn' },
    },
    async dispose() {
      const admin = new Kafka({
        clientId: 'sandbox',
        brokers: parseBrokers(kafkaBrokers),
        logLevel: logLevel.NOTHING,
      }).admin();
      await admin.connect();
      await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
      await admin.disconnect();
      await deleteKeysWithPrefix(redisUrl, keyPrefix);
      const cleanup = new pg.Client({
        connectionString: databaseUrlFor(inject('databaseUrl'), 'postgres'),
      });
      await cleanup.connect();
      await cleanup.query(`drop database if exists "${database}" with (force)`);
      await cleanup.end();
    },
  };
}

import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { parseBrokers } from '../lib/kafka/client.ts';
import { ensureTopics } from '../lib/kafka/topics.ts';
import { runMigrations } from '../schema/db/migrate.ts';
import { topicSpecs, type TopicNames } from '../schema/topics.ts';
import {
  freePort,
  sandboxEnv,
  spawnService,
  type ChildService,
} from '../test/support/child-service.ts';
import { infraSettings } from '../test/support/infra-settings.ts';
import { deleteKeysWithPrefix } from '../test/support/redis-cleanup.ts';

export interface SpawnedSystem {
  gatewayUrl: string;
  stop(): Promise<void>;
}

/**
 * The whole system as `npm start` runs it (every service its own process) on the machine's
 * Kafka, Redis and PostgreSQL, in its own topics, key prefix and database, removed afterwards.
 */
export async function startSpawnedSystem(partitions = 6): Promise<SpawnedSystem> {
  const infra = infraSettings();
  const id = `bench${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const topics: TopicNames = {
    events: `${id}.events`,
    deadLetter: `${id}.events.dlq`,
    changelog: `${id}.changelog`,
  };
  await ensureTopics(parseBrokers(infra.kafkaBrokers), topicSpecs(topics, partitions));
  const adminUrl = new URL(infra.databaseUrl);
  adminUrl.pathname = '/postgres';
  const databaseUrl = new URL(infra.databaseUrl);
  databaseUrl.pathname = `/pulsehub_${id}`;
  const admin = new pg.Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  await admin.query(`create database "pulsehub_${id}"`);
  await admin.end();
  await runMigrations(databaseUrl.toString());

  const keyPrefix = `${id}:`;
  const env = {
    ...sandboxEnv({
      id,
      kafkaBrokers: infra.kafkaBrokers,
      topics,
      redisUrl: infra.redisUrl,
      keyPrefix,
      databaseUrl: databaseUrl.toString(),
    }),
    TOPICS_PARTITIONS: String(partitions),
  };
  const children: ChildService[] = [];
  const spawn = async (entry: string, extra: Record<string, string> = {}) => {
    const child = await spawnService(entry, await freePort(), { ...env, ...extra });
    children.push(child);
    return child;
  };
  const graphql = (child: ChildService) => `http://127.0.0.1:${child.port}/graphql`;
  const profile = await spawn('subgraphs/profile/main.ts');
  const activity = await spawn('subgraphs/activity/main.ts');
  const config = await spawn('subgraphs/config/main.ts');
  await spawn('processor/main.ts', { CONSUMER_GROUP_ID: `${id}-processor` });
  await spawn('archiver/main.ts', { CONSUMER_GROUP_ID: `${id}-archiver` });
  const gateway = await spawn('gateway/main.ts', {
    SUBGRAPHS_PROFILE: graphql(profile),
    SUBGRAPHS_ACTIVITY: graphql(activity),
    SUBGRAPHS_CONFIG: graphql(config),
  });
  return {
    gatewayUrl: `http://127.0.0.1:${gateway.port}`,
    async stop() {
      for (const child of children.reverse()) await child.stop();
      const kafka = new Kafka({
        clientId: 'bench',
        brokers: parseBrokers(infra.kafkaBrokers),
        logLevel: logLevel.NOTHING,
      }).admin();
      await kafka.connect();
      await kafka.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
      await kafka.disconnect();
      await deleteKeysWithPrefix(infra.redisUrl, keyPrefix);
      const cleanup = new pg.Client({ connectionString: adminUrl.toString() });
      await cleanup.connect();
      await cleanup.query(`drop database if exists "pulsehub_${id}" with (force)`);
      await cleanup.end();
    },
  };
}

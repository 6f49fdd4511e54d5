import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { ensureTopics } from '../../lib/kafka/topics.ts';
import { parseBrokers } from '../../lib/kafka/client.ts';
import { runMigrations } from '../../schema/db/migrate.ts';
import { suffixedTopicNames, topicSpecs, type TopicNames } from '../../schema/topics.ts';
import { loadTopicSettings } from '../../scripts/supervisor/topic-settings.ts';
import { deleteKeysWithPrefix } from './redis-cleanup.ts';

/** Where the shared infrastructure answers. */
export interface InfraAddresses {
  kafkaBrokers: string;
  redisUrl: string;
  databaseUrl: string;
}

/**
 * A namespace of its own inside the shared Kafka, Redis and PostgreSQL: its own topics, Redis
 * key prefix and database, so test files and benchmark scenarios never see each other's data.
 */
export interface Namespace {
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

export interface NamespaceOptions {
  /** Starts the id, e.g. `t` for tests, `bench` for benchmarks. */
  idPrefix: string;
  /** Partitions of the events and changelog topics. Default: the configured `topics.partitions`. */
  partitions?: number;
}

export function databaseUrlFor(baseUrl: string, database: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withAdminDatabase<T>(
  baseUrl: string,
  use: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const admin = new pg.Client({ connectionString: databaseUrlFor(baseUrl, 'postgres') });
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.end();
  }
}

/** Creates a database next to `baseUrl`'s, applies the migrations, and returns its URL. */
export async function createMigratedDatabase(baseUrl: string, database: string): Promise<string> {
  await withAdminDatabase(baseUrl, (admin) => admin.query(`create database "${database}"`));
  const url = databaseUrlFor(baseUrl, database);
  await runMigrations(url);
  return url;
}

/** Drops a database this process created (never one it did not). */
export async function dropDatabase(baseUrl: string, database: string): Promise<void> {
  await withAdminDatabase(baseUrl, (admin) =>
    admin.query(`drop database if exists "${database}" with (force)`),
  );
}

export async function createNamespace(
  addresses: InfraAddresses,
  options: NamespaceOptions,
): Promise<Namespace> {
  const { kafkaBrokers, redisUrl } = addresses;
  // The configured topics (config/application.yml, TOPICS_* overrides) with the id appended.
  const configured = await loadTopicSettings({ env: process.env });
  const partitions = options.partitions ?? configured.partitions;
  const id = `${options.idPrefix}${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const topics: TopicNames = suffixedTopicNames(configured.names, id);
  await ensureTopics(parseBrokers(kafkaBrokers), topicSpecs(topics, partitions));
  const database = `pulsehub_${id}`;
  const databaseUrl = await createMigratedDatabase(addresses.databaseUrl, database);
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
      topics: { ...topics, partitions },
      redis: { url: redisUrl, keyPrefix },
      database: { url: databaseUrl },
      log: { level: 'warn' },
    },
    async dispose() {
      await deleteTopics(kafkaBrokers, Object.values(topics));
      await deleteKeysWithPrefix(redisUrl, keyPrefix);
      await dropDatabase(addresses.databaseUrl, database);
    },
  };
}

/** Deletes topics, ignoring those already gone. */
export async function deleteTopics(kafkaBrokers: string, topics: string[]): Promise<void> {
  const admin = new Kafka({
    clientId: 'namespace',
    brokers: parseBrokers(kafkaBrokers),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
}

import { Kafka, logLevel } from 'kafkajs';
import type { TopicSpec } from '../../schema/topics.ts';
import { replicationFor } from './replication.ts';
import { untilTopicsLed } from './topic-leaders.ts';

const LEADERS_TIMEOUT_MS = 30_000;

/**
 * Creates the topics that do not exist yet; existing topics are left as they are. Replication
 * follows the cluster it finds (describeCluster), so a local single broker and a deployment's
 * cluster get the same code path: every topic created here holds data that must not be lost
 * (raw events, the profile changelog the hot path restores from, the dead letters that are the
 * only copy of a refused event), so each gets the cluster's full replication (replication.ts).
 */
export async function ensureTopics(brokers: string[], topics: TopicSpec[]): Promise<void> {
  const admin = new Kafka({
    clientId: 'pulsehub-admin',
    brokers,
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length === 0) return;
    const { brokers: members } = await admin.describeCluster();
    const replication = replicationFor(members.length);
    await admin.createTopics({
      waitForLeaders: false,
      topics: missing.map((t) => ({
        ...t,
        replicationFactor: replication.replicationFactor,
        configEntries: [...(t.configEntries ?? []), ...replication.configEntries],
      })),
    });
    await untilTopicsLed(admin, missing, LEADERS_TIMEOUT_MS);
  } finally {
    await admin.disconnect();
  }
}

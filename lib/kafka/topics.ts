import { Kafka, logLevel } from 'kafkajs';
import type { TopicSpec } from '../../schema/topics.ts';

/** Creates the topics that do not exist yet; existing topics are left as they are. */
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
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((t) => ({ ...t, replicationFactor: 1 })),
    });
  } finally {
    await admin.disconnect();
  }
}

import type { Admin } from 'kafkajs';
import type { TopicSpec } from '../../schema/topics.ts';

const POLL_MS = 100;

/**
 * Resolves once every partition of `topics` has a leader. kafkajs' own wait (createTopics'
 * waitForLeaders) asks the broker that created the topics and fails on the "unknown topic"
 * answer that any broker gives until the new topic's metadata reached it, which in a cluster
 * of several brokers is a matter of milliseconds; here that answer just means "not yet".
 */
export async function untilTopicsLed(
  admin: Admin,
  topics: readonly TopicSpec[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) });
      const led = topics.every((spec) => {
        const found = metadata.topics.find((topic) => topic.name === spec.topic);
        const partitions = found?.partitions ?? [];
        const expected = spec.numPartitions ?? 1;
        return partitions.length >= expected && partitions.every((p) => p.leader >= 0);
      });
      if (led) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const reason = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`the new topics had no leaders after ${timeoutMs} ms${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

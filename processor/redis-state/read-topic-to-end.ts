import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

export interface ReadToEndOptions {
  kafka: Kafka;
  topic: string;
  /** Names the throwaway consumer group (deleted afterwards): `${groupPrefix}-${uuid}`. */
  groupPrefix: string;
  /** Takes each fetched batch in order; the next fetch waits for it. */
  onBatch(messages: KafkaMessage[]): Promise<void>;
  /** Longest wait of one fetch (default 100 ms). */
  maxWaitTimeMs?: number;
}

/**
 * Reads every partition of a topic from its beginning to the end offsets it had when the read
 * began (later records may come along, which callers must accept), with a consumer group of
 * its own that commits nothing, and deletes that group afterwards. kafkajs has no manual
 * partition assignment, so a group is the only way to read a topic with it.
 */
export async function readTopicToEnd(options: ReadToEndOptions): Promise<void> {
  const { kafka, topic } = options;
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `${options.groupPrefix}-${randomUUID()}`;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    // Per partition, the last offset to reach; partitions already read to it are left out.
    const pending = new Map<number, number>();
    for (const { partition, high, low } of offsets)
      if (Number(high) > Number(low)) pending.set(partition, Number(high) - 1);
    if (pending.size === 0) return;
    const consumer = kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: options.maxWaitTimeMs ?? 100,
    });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
        void consumer
          .run({
            autoCommit: false,
            eachBatch: async ({ batch, heartbeat }) => {
              if (pending.size === 0) return;
              await options.onBatch(batch.messages);
              const last = pending.get(batch.partition);
              if (last !== undefined && Number(batch.lastOffset()) >= last)
                pending.delete(batch.partition);
              if (pending.size === 0) resolve();
              else await heartbeat();
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
  } finally {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

import { Kafka, logLevel, type IHeaders, type KafkaMessage } from 'kafkajs';
import { createProducer, parseBrokers } from '../../lib/kafka/client.ts';
import { profileIdOf, type ActivityEvent } from '../../schema/event.ts';
import type { Sandbox } from './isolation.ts';

function kafkaFor(sandbox: Sandbox, clientId: string): Kafka {
  return new Kafka({
    clientId,
    brokers: parseBrokers(sandbox.kafkaBrokers),
    logLevel: logLevel.NOTHING,
  });
}

export interface RawMessage {
  key: string | Buffer | null;
  value: string | Buffer | null;
  headers?: IHeaders;
}

/**
 * Produces straight to a topic (no HTTP), in large sends: the fast way to load a test stream,
 * and the way to put bytes on the topic that ingest would never write.
 */
export async function produceRaw(
  sandbox: Sandbox,
  topic: string,
  messages: readonly RawMessage[],
  chunkSize = 5_000,
): Promise<void> {
  const producer = createProducer(kafkaFor(sandbox, `${sandbox.id}-test-producer`));
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += chunkSize)
      await producer.send({ topic, acks: -1, messages: messages.slice(i, i + chunkSize) });
  } finally {
    await producer.disconnect();
  }
}

/** Produces stamped events to the sandbox's events topic, keyed by profile id like ingest does. */
export function produceEvents(
  sandbox: Sandbox,
  events: readonly ActivityEvent[],
  chunkSize?: number,
): Promise<void> {
  return produceRaw(
    sandbox,
    sandbox.topics.events,
    events.map((event) => ({ key: profileIdOf(event), value: JSON.stringify(event) })),
    chunkSize,
  );
}

/**
 * Reads a topic from the beginning until `done` says the messages so far are enough (or the
 * timeout passes, which throws).
 */
export async function readTopic(
  sandbox: Sandbox,
  topic: string,
  done: (messages: KafkaMessage[]) => boolean,
  timeoutMs = 60_000,
): Promise<KafkaMessage[]> {
  const consumer = kafkaFor(sandbox, `${sandbox.id}-test-reader`).consumer({
    groupId: `${sandbox.id}-reader-${Math.random().toString(36).slice(2)}`,
    maxWaitTimeInMs: 100,
  });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${messages.length} messages of ${topic}, not enough`)),
        timeoutMs,
      );
      void consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          messages.push(...batch.messages);
          if (done(messages)) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

/**
 * Per partition of `topic`: the group's committed offset (the next it would read) and the
 * topic's end, so a test can tell whether a restart would redeliver anything.
 */
export async function committedAndEnd(
  sandbox: Sandbox,
  groupId: string,
  topic: string,
): Promise<{ committed: Record<number, string>; end: Record<number, string> }> {
  const admin = kafkaFor(sandbox, `${sandbox.id}-test-admin`).admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    return {
      committed: Object.fromEntries(
        (committed?.partitions ?? []).map(({ partition, offset }) => [partition, offset]),
      ),
      end: Object.fromEntries(ends.map(({ partition, offset }) => [partition, offset])),
    };
  } finally {
    await admin.disconnect();
  }
}

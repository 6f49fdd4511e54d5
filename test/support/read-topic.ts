import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { parseBrokers } from '../../lib/kafka/client.ts';
import { eventually } from './http.ts';
import type { Sandbox } from './isolation.ts';

/** Reads a sandbox topic from the beginning until `count` messages arrived. */
export async function readTopic(
  sandbox: Sandbox,
  topic: string,
  count: number,
  timeoutMs = 60_000,
): Promise<KafkaMessage[]> {
  const consumer = new Kafka({
    clientId: `${sandbox.id}-test-reader`,
    brokers: parseBrokers(sandbox.kafkaBrokers),
    logLevel: logLevel.NOTHING,
  }).consumer({ groupId: `${sandbox.id}-reader-${Date.now()}`, maxWaitTimeInMs: 100 });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        messages.push(message);
      },
    });
    await eventually(async () => (messages.length >= count ? true : undefined), timeoutMs, 100);
    return messages;
  } finally {
    await consumer.disconnect();
  }
}

import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { parseBrokers } from '../../lib/kafka/client.ts';
import type { ActivityEvent } from '../../schema/event.ts';
import type { Sandbox } from './isolation.ts';

/** Events `first` .. `first + count - 1` of a deterministic stream over `profiles` profiles. */
export function syntheticEvents(
  first: number,
  count: number,
  profiles: number,
  tag: string,
): ActivityEvent[] {
  const base = Date.UTC(2026, 10, 1); // 1 November 2026
  return Array.from({ length: count }, (_, i) => {
    const n = first + i;
    const at = new Date(base + n * 1_000).toISOString(); // one event per second
    return {
      type: 'track',
      event: n % 3 === 0 ? 'Clicked' : 'Viewed',
      userId: `${tag}-p${n % profiles}`,
      messageId: `${tag}-m${n}`,
      properties: { n },
      context: { userAgent: 'Mozilla/5.0 (X11; Linux x86_64)' },
      timestamp: at,
      receivedAt: at,
    };
  });
}

/**
 * Writes events straight to the sandbox's events topic, as ingest would (key = profile id,
 * JSON value, Java-compatible partitioner), `batchSize` per send.
 */
export async function produceEvents(
  sandbox: Sandbox,
  events: readonly ActivityEvent[],
  batchSize = 2_000,
): Promise<void> {
  await produceRaw(
    sandbox,
    sandbox.topics.events,
    events.map((event) => ({
      key: event.userId ?? event.anonymousId ?? null,
      value: JSON.stringify(event),
    })),
    batchSize,
  );
}

/** Writes raw records to one of the sandbox's topics (null value = tombstone). */
export async function produceRaw(
  sandbox: Sandbox,
  topic: string,
  records: ReadonlyArray<{ key: string | null; value: string | null }>,
  batchSize = 2_000,
): Promise<void> {
  const producer = new Kafka({
    clientId: `${sandbox.id}-test-producer`,
    brokers: parseBrokers(sandbox.kafkaBrokers),
    logLevel: logLevel.NOTHING,
  }).producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
  await producer.connect();
  try {
    for (let start = 0; start < records.length; start += batchSize)
      await producer.send({ topic, acks: -1, messages: records.slice(start, start + batchSize) });
  } finally {
    await producer.disconnect();
  }
}

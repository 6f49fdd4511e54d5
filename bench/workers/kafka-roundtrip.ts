// Baseline (its own process) for the latency scenario: the transport floor. A bare kafkajs
// producer (ingest's durability: acks=all, idempotent) sends events at the same rate and tick
// as the latency load; a bare consumer in the same process measures send-to-receive latency.
import { Partitioners } from 'kafkajs';
import { profileIdOf } from '../../schema/event.ts';
import { activityEvent, type EventPlan } from '../support/events.ts';
import { benchKafka } from '../support/kafka.ts';
import { runOpenLoop, type OpenLoopSettings } from '../support/load/open-loop.ts';
import { summarize, type Summary } from '../support/stats.ts';
import { waitUntil } from '../support/updates.ts';
import { runAsWorker } from '../support/worker-side.ts';

export interface KafkaRoundTripSettings extends OpenLoopSettings {
  brokers: string;
  topic: string;
  groupId: string;
  plan: EventPlan;
  drainMs: number;
  /** The consumer's longest fetch wait, ms (what a latency-tuned consumer would set). */
  maxWaitTimeInMs: number;
}

export interface KafkaRoundTripResult {
  rate: number;
  sent: number;
  delivered: number;
  missing: number;
  latency: Summary;
}

const SEQUENCE_HEADER = 'x-bench-seq';

runAsWorker<KafkaRoundTripSettings, KafkaRoundTripResult>(async (settings) => {
  const kafka = benchKafka(settings.brokers, 'pulsehub-bench-roundtrip');
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    allowAutoTopicCreation: false,
    maxInFlightRequests: 5,
  });
  const consumer = kafka.consumer({
    groupId: settings.groupId,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: settings.maxWaitTimeInMs,
  });
  const sentAt = new Map<number, { atMs: number; measured: boolean }>();
  const latencies: number[] = [];
  let measuredPending = 0;
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic: settings.topic, fromBeginning: false });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const now = performance.now();
      for (const message of batch.messages) {
        const sequence = Number(message.headers?.[SEQUENCE_HEADER]?.toString());
        const sent = sentAt.get(sequence);
        if (sent === undefined) continue;
        sentAt.delete(sequence);
        if (sent.measured) {
          latencies.push(now - sent.atMs);
          measuredPending--;
        }
      }
    },
  });
  try {
    if (!(await waitUntil(() => joined, 60_000))) throw new Error('the consumer joined no group');
    let sequence = 0;
    let measuredSent = 0;
    const sends: Array<Promise<unknown>> = [];
    await runOpenLoop(settings, (count, measured) => {
      const atMs = performance.now();
      const messages = [];
      for (const due = sequence + count; sequence < due; sequence++) {
        const event = activityEvent(settings.plan, sequence);
        sentAt.set(sequence, { atMs, measured });
        if (measured) {
          measuredSent++;
          measuredPending++;
        }
        messages.push({
          key: profileIdOf(event),
          value: JSON.stringify(event),
          headers: { [SEQUENCE_HEADER]: String(sequence) },
        });
      }
      sends.push(producer.send({ topic: settings.topic, acks: -1, messages }));
    });
    await Promise.all(sends);
    await waitUntil(() => measuredPending === 0, settings.drainMs);
    return {
      rate: settings.rate,
      sent: measuredSent,
      delivered: latencies.length,
      missing: measuredPending,
      latency: summarize(latencies),
    };
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
  }
});

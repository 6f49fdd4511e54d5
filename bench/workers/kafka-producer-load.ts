// Baseline load generator (its own process): a bare kafkajs producer sending the same batches
// the ingest scenario posts, with the durability PulseHub's ingest promises (acks from every
// in-sync replica, idempotent), in the same fixed-concurrency closed loops.
import { Partitioners } from 'kafkajs';
import { profileIdOf } from '../../schema/event.ts';
import { activityEvent, type EventPlan } from '../support/events.ts';
import { benchKafka } from '../support/kafka.ts';
import { runClosedLoop, type LoopResult, type LoopSettings } from '../support/load/closed-loop.ts';
import { runAsWorker } from '../support/worker-side.ts';

export type ProducerLoadSettings = LoopSettings & {
  brokers: string;
  topic: string;
  plan: EventPlan;
  batchSize: number;
  distinctBatches: number;
};

runAsWorker<ProducerLoadSettings, LoopResult>(async (settings) => {
  const producer = benchKafka(settings.brokers).producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    allowAutoTopicCreation: false,
    maxInFlightRequests: 5,
  });
  await producer.connect();
  const batches = Array.from({ length: settings.distinctBatches }, (_, batch) =>
    Array.from({ length: settings.batchSize }, (_, index) =>
      activityEvent(settings.plan, batch * settings.batchSize + index),
    ),
  );
  try {
    return await runClosedLoop(async (loop, iteration) => {
      const events = batches[(iteration * settings.concurrency + loop) % batches.length] ?? [];
      // Serialised per send, as any producer of fresh events must.
      await producer.send({
        topic: settings.topic,
        acks: -1,
        messages: events.map((event) => ({
          key: profileIdOf(event),
          value: JSON.stringify(event),
        })),
      });
    }, settings);
  } finally {
    await producer.disconnect();
  }
});

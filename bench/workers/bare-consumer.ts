// Baseline consumer (its own process): a kafkajs consumer-group member that reads the topic,
// committing after every batch as kafkajs does by default. The benchmark measures it from
// outside by its committed offsets, exactly as it measures PulseHub's consumers. With `work`
// it also does the processor's first per-event step, to show what that step alone costs.
import type { KafkaMessage } from 'kafkajs';
import { decodeEvent } from '../../events/decode.ts';
import { benchKafka } from '../support/kafka.ts';
import { workerChannel } from '../support/worker-side.ts';

/** What the consumer does with each message beyond reading it. */
export type ConsumerWork = 'read' | 'parse' | 'decode';

export interface BareConsumerSettings {
  brokers: string;
  topic: string;
  groupId: string;
  work: ConsumerWork;
}

const WORK: Record<ConsumerWork, (message: KafkaMessage) => unknown> = {
  read: () => undefined,
  // JSON.parse only: the least any consumer that looks inside an event must do.
  parse: (message) => JSON.parse(message.value?.toString('utf8') ?? 'null'),
  // The processor's own decode: JSON.parse and the event schema's validation.
  decode: (message) => decodeEvent(message, 0),
};

const channel = workerChannel<BareConsumerSettings>();
const settings = await channel.settings;
const work = WORK[settings.work];
const consumer = benchKafka(settings.brokers, 'pulsehub-bench-bare').consumer({
  groupId: settings.groupId,
  allowAutoTopicCreation: false,
});
let read = 0;
await consumer.connect();
await consumer.subscribe({ topic: settings.topic, fromBeginning: true });
await consumer.run({
  eachBatch: async ({ batch }) => {
    for (const message of batch.messages) work(message);
    read += batch.messages.length;
  },
});
channel.send({ type: 'running' });
process.on('SIGTERM', () => {
  void consumer.disconnect().finally(() => process.exit(read > 0 ? 0 : 1));
});

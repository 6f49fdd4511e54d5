// Baseline consumer (its own process): a kafkajs consumer-group member that only reads the
// topic, committing after every batch as kafkajs does by default. The benchmark measures it
// from outside by its committed offsets, exactly as it measures PulseHub's consumers.
import { benchKafka } from '../support/kafka.ts';
import { workerChannel } from '../support/worker-side.ts';

export interface BareConsumerSettings {
  brokers: string;
  topic: string;
  groupId: string;
}

const channel = workerChannel<BareConsumerSettings>();
const settings = await channel.settings;
const consumer = benchKafka(settings.brokers, 'pulsehub-bench-bare').consumer({
  groupId: settings.groupId,
  allowAutoTopicCreation: false,
});
let read = 0;
await consumer.connect();
await consumer.subscribe({ topic: settings.topic, fromBeginning: true });
await consumer.run({
  eachBatch: async ({ batch }) => {
    read += batch.messages.length;
  },
});
channel.send({ type: 'running' });
process.on('SIGTERM', () => {
  void consumer.disconnect().finally(() => process.exit(read > 0 ? 0 : 1));
});

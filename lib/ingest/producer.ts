import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { Component } from '../lifecycle.ts';
import { profileIdOf, type ActivityEvent } from '../../schema/event.ts';

/** Kafka could not take the events: the caller must answer 503, never 200. */
export class IngestUnavailableError extends Error {
  override readonly name = 'IngestUnavailableError';
}

export interface EventProducer extends Component {
  /** Resolves once every in-sync replica acknowledged all events (one send per call). */
  produce(events: readonly ActivityEvent[]): Promise<void>;
}

/** The one producer of raw events, shared by HTTP ingest and the GraphQL ingest mutations. */
export function createEventProducer(kafka: Kafka, topic: string): EventProducer {
  // Idempotent: a retried send after a lost acknowledgement never writes an event twice.
  const producer: Producer = kafka.producer({
    // Java-client-compatible murmur2 partitioning: any producer puts a profile on the same partition.
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    allowAutoTopicCreation: false,
    maxInFlightRequests: 5,
  });
  let connected = false;
  producer.on(producer.events.CONNECT, () => (connected = true));
  producer.on(producer.events.DISCONNECT, () => (connected = false));
  return {
    name: 'event-producer',
    start: () => producer.connect(),
    stop: () => producer.disconnect(),
    ready: () => Promise.resolve(connected),
    async produce(events) {
      if (events.length === 0) return;
      try {
        await producer.send({
          topic,
          acks: -1,
          messages: events.map((event) => ({
            key: profileIdOf(event),
            value: JSON.stringify(event),
          })),
        });
      } catch (error) {
        throw new IngestUnavailableError(
          `Kafka did not acknowledge the events: ${(error as Error).message}`,
          { cause: error },
        );
      }
    },
  };
}

import type { Kafka, Producer } from 'kafkajs';
import { withDeadline } from '../lib/deadline.ts';
import type { Component } from '../lib/lifecycle.ts';
import type { Logger } from '../lib/logger.ts';
import { createProducer } from '../lib/kafka/client.ts';
import { createGroupSender } from '../lib/kafka/group-send.ts';
import { profileIdOf, type ActivityEvent } from '../schema/event.ts';

/** Kafka could not take the events: the caller must answer 503, never 200. */
export class IngestUnavailableError extends Error {
  override readonly name = 'IngestUnavailableError';
}

export interface EventProducer extends Component {
  /**
   * Resolves once every in-sync replica acknowledged all events (in one produce request,
   * perhaps shared with concurrent calls); rejects with IngestUnavailableError within
   * `timeoutMs` otherwise.
   */
  produce(events: readonly ActivityEvent[]): Promise<void>;
}

export interface EventProducerOptions {
  kafka: Kafka;
  topic: string;
  logger: Logger;
  /** Longest a request waits for Kafka before it is answered "unavailable". */
  timeoutMs: number;
}

/** The retries of one send, bounded so that a send gives up at about the request timeout. */
const SEND_RETRY = { retries: 3, initialRetryTime: 100, maxRetryTime: 1_000 }; // ~1.5 s of backoff

/**
 * The one producer of raw events, shared by HTTP ingest and the GraphQL ingest mutations.
 *
 * Bounded time: each request waits at most `timeoutMs`, then the caller answers 503 (with
 * Retry-After). A send that failed or timed out may still have been written; the client will
 * retry it with the same messageId, and the processor drops that duplicate. The kafkajs
 * producer of a failed send is discarded for a new one (new producer id), because its sequence
 * numbers no longer tell whether that send was written, and reusing them could make the broker
 * discard a later batch as a duplicate: a 200 for an event not in Kafka.
 */
export function createEventProducer(options: EventProducerOptions): EventProducer {
  const { kafka, topic, logger, timeoutMs } = options;
  let producer: Producer = createProducer(kafka, { retry: SEND_RETRY });
  let connecting: Promise<void> | undefined;
  let connected = false;
  let stopped = false;

  function watch(p: Producer): void {
    p.on(p.events.CONNECT, () => {
      if (p === producer) connected = true;
    });
    p.on(p.events.DISCONNECT, () => {
      if (p === producer) connected = false;
    });
  }
  watch(producer);

  /** One connection attempt at a time; a failed attempt lets the next request try again. */
  function connect(): Promise<void> {
    connecting ??= producer.connect().catch((error: unknown) => {
      connecting = undefined;
      throw error;
    });
    return connecting;
  }

  function replace(failed: Producer): void {
    if (failed !== producer || stopped) return;
    producer = createProducer(kafka, { retry: SEND_RETRY });
    watch(producer);
    connected = false;
    connecting = undefined;
    failed.disconnect().catch(() => undefined);
  }

  // Concurrent requests share produce requests (see createGroupSender).
  const sender = createGroupSender(
    async (messages, deadline) => {
      try {
        // A producer replaced after an earlier failure connects here, before its first send.
        await withDeadline(connect(), Math.max(deadline - Date.now(), 1), 'connecting to Kafka');
      } catch (error) {
        throw new IngestUnavailableError(`Kafka is not reachable: ${(error as Error).message}`, {
          cause: error,
        });
      }
      const current = producer;
      try {
        await withDeadline(
          current.send({ topic, acks: -1, messages }),
          Math.max(deadline - Date.now(), 1),
          'sending to Kafka',
        );
      } catch (error) {
        replace(current);
        throw new IngestUnavailableError(
          `Kafka did not acknowledge the events: ${(error as Error).message}`,
          { cause: error },
        );
      }
    },
    () => new IngestUnavailableError('Kafka did not acknowledge the events in time'),
  );

  return {
    name: 'event-producer',
    async start() {
      // Never fails the service: ingest answers 503 until Kafka is reachable, /ready says why.
      await withDeadline(connect(), timeoutMs, 'connecting to Kafka').catch((error: unknown) =>
        logger.warn({ err: error }, 'Kafka not reachable yet; ingest answers 503 until it is'),
      );
    },
    async stop() {
      stopped = true;
      await producer.disconnect();
    },
    ready: () => Promise.resolve(connected),
    async produce(events) {
      if (events.length === 0) return;
      await sender.send(
        events.map((event) => ({ key: profileIdOf(event), value: JSON.stringify(event) })),
        Date.now() + timeoutMs,
      );
    },
  };
}

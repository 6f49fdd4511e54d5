import type {
  Consumer,
  ConsumerConfig,
  EachBatchPayload,
  Kafka,
  KafkaMessage,
  Producer,
} from 'kafkajs';
import type { Component } from '../lifecycle.ts';
import type { Logger } from '../logger.ts';
import type { ActivityEvent } from '../../schema/event.ts';
import type { TopicNames } from '../../schema/topics.ts';
import { decodeEvent } from './decode.ts';
import { deadLetterOf, sendDeadLetters, type DeadLetter } from './dead-letter.ts';
import { DEFAULT_LEAVE_TIMEOUT_MS, disconnectWithin } from './leave-group.ts';

/** A batch of one partition with its decodable events; poison messages were dead-lettered. */
export interface EventBatch {
  topic: string;
  partition: number;
  events: Array<{ event: ActivityEvent; offset: number }>;
  /** Keeps the group membership alive during long work inside a batch. */
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping or the partition moved on: stop retrying, throw. */
  isActive(): boolean;
  /** Sends these messages of the batch (original bytes) to the dead-letter topic with the reason. */
  deadLetter(items: ReadonlyArray<{ offset: number; reason: string }>): Promise<void>;
}

export interface EventConsumerOptions {
  /** Names the component and the dead letters' `failedBy`. */
  name: string;
  kafka: Kafka;
  groupId: string;
  topics: TopicNames;
  logger: Logger;
  /** Applies a batch to the sink; offsets are committed only after it resolved. */
  handleBatch(batch: EventBatch): Promise<void>;
  consumerConfig?: Partial<ConsumerConfig>;
  /** Batches of different partitions handled at once (default 1). */
  partitionsConsumedConcurrently?: number;
  /** Longest wait for the group leave on stop (default 5 seconds); see disconnectWithin. */
  leaveTimeoutMs?: number;
}

/**
 * A consumer-group member of the events topic with at-least-once delivery into a sink that
 * makes redelivery harmless: offsets are committed only after the sink acknowledged, and
 * messages that can never be decoded go to the dead-letter topic with the reason.
 */
export function createEventConsumer(
  options: EventConsumerOptions,
): Component & { consumer: Consumer } {
  const { kafka, topics, logger, name } = options;
  const consumer = kafka.consumer({
    groupId: options.groupId,
    allowAutoTopicCreation: false,
    ...options.consumerConfig,
  });
  const producer: Producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
  let running = false;

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const letter = (message: KafkaMessage, reason: string): DeadLetter =>
      deadLetterOf(batch, message, reason, name);
    const decodedEvents: EventBatch['events'] = [];
    const deadLetters: DeadLetter[] = [];
    for (const message of batch.messages) {
      const decoded = decodeEvent(message);
      if (decoded.ok) {
        decodedEvents.push({ event: decoded.event, offset: Number(message.offset) });
        continue;
      }
      logger.warn(
        {
          topic: batch.topic,
          partition: batch.partition,
          offset: message.offset,
          reason: decoded.reason,
        },
        'dead-lettering message',
      );
      deadLetters.push(letter(message, decoded.reason));
    }
    if (!payload.isRunning() || payload.isStale()) return;
    await sendDeadLetters(producer, topics.deadLetter, deadLetters);
    await options.handleBatch({
      topic: batch.topic,
      partition: batch.partition,
      events: decodedEvents,
      heartbeat: payload.heartbeat,
      isActive: () => payload.isRunning() && !payload.isStale(),
      deadLetter: async (items) => {
        const byOffset = new Map(batch.messages.map((m) => [Number(m.offset), m]));
        const letters = items.flatMap(({ offset, reason }) => {
          const message = byOffset.get(offset);
          return message ? [letter(message, reason)] : [];
        });
        await sendDeadLetters(producer, topics.deadLetter, letters);
      },
    });
    const last = batch.messages[batch.messages.length - 1];
    if (last) payload.resolveOffset(last.offset);
    await payload.commitOffsetsIfNecessary();
    await payload.heartbeat();
  }

  return {
    name,
    consumer,
    async start() {
      await producer.connect();
      await consumer.connect();
      await consumer.subscribe({ topic: topics.events, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch,
        partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
      });
      running = true;
    },
    async stop() {
      running = false;
      // Leaving the group first hands the partitions over before the producer goes.
      await disconnectWithin(
        consumer,
        options.leaveTimeoutMs ?? DEFAULT_LEAVE_TIMEOUT_MS,
        logger,
        name,
      );
      await producer.disconnect();
    },
    ready: () => Promise.resolve(running),
  };
}

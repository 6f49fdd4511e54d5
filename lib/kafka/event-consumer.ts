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
import { createProducer } from './client.ts';
import type { ConsumerMetrics } from './consumer-metrics.ts';
import { decodeEvent } from './decode.ts';
import { deadLetterOf, sendDeadLetters, type DeadLetter } from './dead-letter.ts';
import { createBackgroundCommits } from './background-commits.ts';
import { DEFAULT_LEAVE_TIMEOUT_MS } from './leave-group.ts';

/** A batch of one partition with its valid events; poison messages were dead-lettered. */
export interface EventBatch {
  topic: string;
  partition: number;
  events: Array<{ event: ActivityEvent; offset: number }>;
  /** Keeps the group membership alive during long work inside a batch (throttled by kafkajs). */
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
  /** Applies a batch to the sink; its offsets are committed only after it resolved. */
  handleBatch(batch: EventBatch): Promise<void>;
  consumerConfig?: Partial<ConsumerConfig>;
  /** Partitions handled at the same time (their profiles never overlap). Default 1. */
  partitionsConsumedConcurrently?: number;
  /** Longest wait for the group leave on stop (default 5 seconds); see disconnectWithin. */
  leaveTimeoutMs?: number;
  /** Sends the dead letters; created with createProducer when absent. Connected and
   * disconnected with the consumer either way. */
  producer?: Producer;
  metrics?: ConsumerMetrics;
}

/**
 * A consumer-group member of the events topic with at-least-once delivery into a sink that
 * makes redelivery harmless: offsets are committed (in the background, createBackgroundCommits)
 * only after the sink acknowledged, and messages that can never be decoded go to the
 * dead-letter topic with the reason.
 */
export function createEventConsumer(
  options: EventConsumerOptions,
): Component & { consumer: Consumer } {
  const { kafka, topics, logger, name, metrics } = options;
  const consumer = kafka.consumer({
    groupId: options.groupId,
    allowAutoTopicCreation: false,
    ...options.consumerConfig,
  });
  const producer = options.producer ?? createProducer(kafka);
  const commits = createBackgroundCommits(consumer, [topics.events], logger, name);
  let running = false;
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart) return;
    // kafkajs gave up: the consumer is gone, so readiness fails and the orchestrator restarts us.
    running = false;
    logger.fatal({ err: payload.error, groupId: options.groupId }, 'consumer stopped for good');
  });

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const last = batch.messages[batch.messages.length - 1];
    if (last === undefined) return;
    const stopTimer = metrics?.batchDuration.startTimer();
    const events: EventBatch['events'] = [];
    const letter = (message: KafkaMessage, reason: string): DeadLetter =>
      deadLetterOf(batch, message, reason, name);
    const deadLetters: DeadLetter[] = [];
    for (const message of batch.messages) {
      const decoded = decodeEvent(message);
      if (decoded.ok) {
        events.push({ event: decoded.event, offset: Number(message.offset) });
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
      metrics?.deadLettered.inc({ kind: decoded.kind });
      deadLetters.push(letter(message, decoded.reason));
    }
    const isActive = () => commits.isActive(payload);
    if (!isActive()) return;
    await sendDeadLetters(producer, topics.deadLetter, deadLetters);
    await options.handleBatch({
      topic: batch.topic,
      partition: batch.partition,
      events,
      heartbeat: payload.heartbeat,
      isActive,
      deadLetter: async (items) => {
        const byOffset = new Map(batch.messages.map((m) => [Number(m.offset), m]));
        const letters = items.flatMap(({ offset, reason }) => {
          const message = byOffset.get(offset);
          return message ? [letter(message, reason)] : [];
        });
        await sendDeadLetters(producer, topics.deadLetter, letters);
      },
    });
    commits.done(payload, last.offset);
    stopTimer?.();
    metrics?.lag.set({ partition: String(batch.partition) }, Number(batch.offsetLag()));
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
        partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
        eachBatch: commits.track(eachBatch),
      });
      running = true;
    },
    async stop() {
      running = false;
      // Leaving the group (after the batch in hand) hands the partitions over before the producer goes.
      await commits.stop(options.leaveTimeoutMs ?? DEFAULT_LEAVE_TIMEOUT_MS);
      await producer.disconnect();
    },
    ready: () => Promise.resolve(running),
  };
}

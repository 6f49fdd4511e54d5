import type { ConsumerConfig, Kafka, Producer } from 'kafkajs';
import type { Component } from '../lib/lifecycle.ts';
import type { Logger } from '../lib/logger.ts';
import type { ActivityEvent } from '../schema/event.ts';
import type { TopicNames } from '../schema/topics.ts';
import {
  createConsumerLoop,
  type ConsumedBatch,
  type ConsumerLoopOptions,
} from '../lib/kafka/consumer-loop.ts';
import type { ConsumerMetrics } from '../lib/kafka/consumer-metrics.ts';
import { decodeEvent } from './decode.ts';

/** A batch of one partition of the events topic with its valid events. */
export interface EventBatch extends Omit<ConsumedBatch<ActivityEvent>, 'messages'> {
  events: Array<{ event: ActivityEvent; offset: number }>;
}

export interface EventConsumerOptions {
  /** Names the component and the dead letters' `failedBy`. */
  name: string;
  kafka: Kafka;
  groupId: string;
  topics: TopicNames;
  logger: Logger;
  /**
   * Whether this group dead-letters the events topic's invalid messages. Exactly one group
   * owns them (the processor), so each appears once in the dead-letter topic; the others
   * count and skip them. Default true.
   */
  ownsInvalidEvents?: boolean;
  /** Applies a batch to the sink; its offsets are committed only after it resolved. */
  handleBatch(batch: EventBatch): Promise<void>;
  consumerConfig?: Partial<ConsumerConfig>;
  /** Partitions handled at the same time (their profiles never overlap). Default 1. */
  partitionsConsumedConcurrently?: number;
  leaveTimeoutMs?: number;
  producer?: Producer;
  metrics?: ConsumerMetrics;
  sink?: NonNullable<ConsumerLoopOptions<ActivityEvent>['sink']>;
}

/**
 * A consumer-group member of the events topic (createConsumerLoop) whose messages are decoded
 * and validated as events (decodeEvent, the topic's wire contract).
 */
export function createEventConsumer(options: EventConsumerOptions): Component {
  const { topics, handleBatch, ownsInvalidEvents, ...rest } = options;
  return createConsumerLoop<ActivityEvent>({
    ...rest,
    topic: topics.events,
    deadLetterTopic: topics.deadLetter,
    undecodable: (ownsInvalidEvents ?? true) ? 'dead-letter' : 'skip',
    decode: (message, partition) => {
      const decoded = decodeEvent(message, partition);
      return decoded.ok ? { ok: true, value: decoded.event } : decoded;
    },
    handleBatch: ({ messages, ...batch }) =>
      handleBatch({
        ...batch,
        events: messages.map(({ value, offset }) => ({ event: value, offset })),
      }),
  });
}

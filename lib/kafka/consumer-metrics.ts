import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What every consumer loop (createConsumerLoop) reports on its service's /metrics. */
export interface ConsumerMetrics {
  /** Messages this consumer sent to the dead-letter topic, by kind. */
  deadLettered: Counter<'kind'>;
  /** Messages this consumer could not decode and left to the consumer that owns their letters. */
  skipped: Counter<'kind'>;
  /** Times the consumer was replaced after kafkajs stopped it for good. */
  restarts: Counter;
  batchDuration: Histogram;
  lag: Gauge<'partition'>;
}

/**
 * Registers the consumer metrics as `<prefix>_<messages>_…` for the counters of messages
 * (e.g. pulsehub_processor_events_dead_lettered_total) and `<prefix>_…` for the rest
 * (pulsehub_processor_consumer_lag).
 */
export function createConsumerMetrics(
  registry: Registry,
  prefix: string,
  messages = 'events',
): ConsumerMetrics {
  const registers = [registry];
  return {
    deadLettered: new Counter({
      name: `${prefix}_${messages}_dead_lettered_total`,
      help: 'Messages sent to the dead-letter topic, by kind (empty, too_large, not_json, invalid, unstorable, …).',
      labelNames: ['kind'],
      registers,
    }),
    skipped: new Counter({
      name: `${prefix}_${messages}_skipped_total`,
      help: 'Undecodable messages skipped here because another consumer group dead-letters them, by kind.',
      labelNames: ['kind'],
      registers,
    }),
    restarts: new Counter({
      name: `${prefix}_consumer_restarts_total`,
      help: 'Times the Kafka consumer was stopped for good by kafkajs and replaced by a new one.',
      registers,
    }),
    batchDuration: new Histogram({
      name: `${prefix}_batch_duration_seconds`,
      help: 'Time to handle one fetched batch of one partition, from decode until its offset is handed to the committer.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    lag: new Gauge({
      name: `${prefix}_consumer_lag`,
      help: 'Messages behind the partition high watermark after the last handled batch.',
      labelNames: ['partition'],
      registers,
    }),
  };
}

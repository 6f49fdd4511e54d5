import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { DecodeFailureKind } from './decode.ts';

/** What every events-topic consumer reports on its service's /metrics. */
export interface ConsumerMetrics {
  deadLettered: Counter<'kind'>;
  batchDuration: Histogram;
  lag: Gauge<'partition'>;
}

/** Registers the consumer metrics as `<prefix>_…` (e.g. processor_events_dead_lettered_total). */
export function createConsumerMetrics(registry: Registry, prefix: string): ConsumerMetrics {
  return {
    deadLettered: new Counter({
      name: `${prefix}_events_dead_lettered_total`,
      help: 'Messages sent to the dead-letter topic, by kind (empty, too_large, not_json, invalid).',
      labelNames: ['kind'],
      registers: [registry],
    }),
    batchDuration: new Histogram({
      name: `${prefix}_batch_duration_seconds`,
      help: 'Time to handle one fetched batch of one partition, from decode until its offset is handed to the committer.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    lag: new Gauge({
      name: `${prefix}_consumer_lag`,
      help: 'Messages behind the partition high watermark after the last handled batch.',
      labelNames: ['partition'],
      registers: [registry],
    }),
  };
}

export const DEAD_LETTER_KINDS: readonly DecodeFailureKind[] = [
  'empty',
  'too_large',
  'not_json',
  'invalid',
];

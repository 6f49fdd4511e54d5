import { Counter, type Registry } from 'prom-client';
import { createConsumerMetrics, type ConsumerMetrics } from '../lib/kafka/consumer-metrics.ts';

export interface ProcessorMetrics {
  consumer: ConsumerMetrics;
  applied: Counter;
  unchanged: Counter;
  profilesWritten: Counter;
}

export function createProcessorMetrics(registry: Registry): ProcessorMetrics {
  return {
    consumer: createConsumerMetrics(registry, 'pulsehub_processor'),
    applied: new Counter({
      name: 'pulsehub_processor_events_applied_total',
      help: 'Events applied to a profile in Redis.',
      registers: [registry],
    }),
    unchanged: new Counter({
      name: 'pulsehub_processor_events_unchanged_total',
      help: 'Valid events that changed nothing: redelivered (at or below the watermark) or a duplicate messageId.',
      registers: [registry],
    }),
    profilesWritten: new Counter({
      name: 'pulsehub_processor_profile_writes_total',
      help: 'Profile writes to Redis (one per changed profile per batch).',
      registers: [registry],
    }),
  };
}

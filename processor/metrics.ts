import { Counter, type Registry } from 'prom-client';
import { createConsumerMetrics, type ConsumerMetrics } from '../lib/kafka/consumer-metrics.ts';

export interface ProcessorMetrics {
  consumer: ConsumerMetrics;
  applied: Counter;
  unchanged: Counter;
  profilesWritten: Counter;
  refusedAtBound: Counter<'bound'>;
  setAside: Counter<'kind'>;
  erased: Counter;
  merges: Counter;
  mergesRefused: Counter<'reason'>;
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
    refusedAtBound: new Counter({
      name: 'pulsehub_processor_bound_refusals_total',
      help: 'Changes a profile refused at a bound of processor.yml limits, by bound (traitKeys, traitBytes, eventNames).',
      labelNames: ['bound'],
      registers: [registry],
    }),
    setAside: new Counter({
      name: 'pulsehub_processor_events_set_aside_total',
      help: 'Valid events no profile could take, sent to the dead-letter topic, by kind (apply_failed, document_too_large).',
      labelNames: ['kind'],
      registers: [registry],
    }),
    erased: new Counter({
      name: 'pulsehub_processor_events_erased_total',
      help: 'Events of a deleted profile acknowledged before its deletion (below its fence), dropped unapplied.',
      registers: [registry],
    }),
    merges: new Counter({
      name: 'pulsehub_processor_merges_total',
      help: 'Profiles merged into another one because an event tied their identifiers together (docs/identity.md).',
      registers: [registry],
    }),
    mergesRefused: new Counter({
      name: 'pulsehub_processor_merges_refused_total',
      help: 'Links of identifiers the merge policy refused, by reason (both_identified, identifier_limit); each is dead-lettered as merge_refused.',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}

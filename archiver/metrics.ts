import { Counter, Gauge, type Registry } from 'prom-client';
import { createConsumerMetrics, type ConsumerMetrics } from '../lib/kafka/consumer-metrics.ts';

export interface ArchiverMetrics {
  /** Dead letters, batch durations and lag of the events consumer. */
  consumer: ConsumerMetrics;
  /** The same for the changelog (snapshot) consumer. */
  snapshotsConsumer: ConsumerMetrics;
  eventsInserted: Counter;
  eventsDuplicate: Counter;
  refusedDeadLetters: Counter;
  snapshotsWritten: Counter;
  postgresAvailable: Gauge<'consumer'>;
}

export function createArchiverMetrics(registry: Registry): ArchiverMetrics {
  const registers = [registry];
  const postgresAvailable = new Gauge({
    name: 'pulsehub_archiver_postgres_available',
    help: '1 while the consumer can write to PostgreSQL, 0 while it is paused retrying',
    labelNames: ['consumer'] as const,
    registers,
  });
  postgresAvailable.set({ consumer: 'events' }, 1);
  postgresAvailable.set({ consumer: 'snapshots' }, 1);
  return {
    consumer: createConsumerMetrics(registry, 'pulsehub_archiver'),
    snapshotsConsumer: createConsumerMetrics(registry, 'pulsehub_archiver_snapshots', 'records'),
    eventsInserted: new Counter({
      name: 'pulsehub_archiver_events_inserted_total',
      help: 'Events written to the archive',
      registers,
    }),
    eventsDuplicate: new Counter({
      name: 'pulsehub_archiver_events_duplicate_total',
      help: 'Redelivered events the archive already held (skipped by the dedupe key)',
      registers,
    }),
    refusedDeadLetters: new Counter({
      name: 'pulsehub_archiver_refused_dead_lettered_total',
      help: 'Events and snapshots PostgreSQL refused, sent to the dead-letter topic',
      registers,
    }),
    snapshotsWritten: new Counter({
      name: 'pulsehub_archiver_snapshots_written_total',
      help: 'Profile snapshots and deletions applied to the profiles table',
      registers,
    }),
    postgresAvailable,
  };
}

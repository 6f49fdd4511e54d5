import {
  Kafka,
  Partitioners,
  type ICustomPartitioner,
  logLevel as kafkaLogLevel,
  type LogEntry,
  type Producer,
  type RetryOptions,
} from 'kafkajs';
import type { Logger } from '../logger.ts';
// Every process that talks to Kafka does so through this module: the fix applies before any connection.
import './request-queue-fix.ts';
import { noDelaySocketFactory } from './socket.ts';

/**
 * kafkajs warns about this for every idempotent producer whose retries are bounded. Ingest bounds
 * them on purpose (it must answer 503 in bounded time) and handles what the warning is about:
 * after a failed send the producer is replaced (events/producer.ts), so a later batch never
 * reuses the sequence numbers of one whose outcome is unknown, and the duplicate a client's retry
 * may then cause is dropped by the processor's messageId window.
 */
const EXPECTED_WARNINGS = new Set([
  'Limiting retries for the idempotent producer may invalidate EoS guarantees',
]);

/** A kafkajs client whose log lines go through the service's logger. */
export function createKafka(brokers: string[], clientId: string, logger: Logger): Kafka {
  return new Kafka({
    clientId,
    brokers,
    socketFactory: noDelaySocketFactory,
    logLevel: kafkaLogLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...extra } = log;
        if (EXPECTED_WARNINGS.has(message)) return;
        if (level <= kafkaLogLevel.ERROR) logger.error(extra, `kafka: ${message}`);
        else logger.warn(extra, `kafka: ${message}`);
      },
    retry: { initialRetryTime: 100, retries: 8 },
  });
}

export interface ProducerOptions {
  /**
   * Bounded retries for callers that must fail in bounded time. Default: retry until Kafka
   * answers (kafkajs' default for idempotent producers), which never gives up on a write.
   */
  retry?: RetryOptions;
}

/**
 * Separates a record key's entity from a sub-key (`<entity>\u0000<sub-key>`): such a record
 * goes to its entity's partition, so all records of one entity in a compacted topic stay in one
 * partition, in the order they were sent. U+0000 is never part of an entity id (PostgreSQL
 * cannot store it; ingest and the consumers refuse it, events/storable.ts).
 */
export const SUB_KEY_SEPARATOR = '\u0000';

/** Java-compatible murmur2 partitioning of the key's entity (the part before SUB_KEY_SEPARATOR). */
const byEntity: ICustomPartitioner = () => {
  const murmur2 = Partitioners.DefaultPartitioner();
  return (args) => {
    const key = args.message.key;
    const text = typeof key === 'string' ? key : key?.toString('utf8');
    const cut = text?.indexOf(SUB_KEY_SEPARATOR) ?? -1;
    if (text === undefined || cut < 0) return murmur2(args);
    return murmur2({ ...args, message: { ...args.message, key: text.slice(0, cut) } });
  };
};

/**
 * The one way PulseHub creates producers (events, dead letters, changelog): idempotent, so a
 * retried send after a lost acknowledgement never writes twice; Java-compatible murmur2
 * partitioning of the key's entity (byEntity), so any producer puts a profile's events on the
 * same partition and a profile's changelog records together; topics are never auto-created. Sends must pass `acks: -1` (all in-sync replicas), which idempotence requires.
 */
export function createProducer(kafka: Kafka, options: ProducerOptions = {}): Producer {
  return kafka.producer({
    createPartitioner: byEntity,
    idempotent: true,
    allowAutoTopicCreation: false,
    maxInFlightRequests: 5,
    retry: options.retry ?? { retries: Number.MAX_SAFE_INTEGER },
  });
}

export function parseBrokers(brokers: string): string[] {
  return brokers
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
}

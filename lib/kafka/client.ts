import { Kafka, logLevel as kafkaLogLevel, type LogEntry } from 'kafkajs';
import type { Logger } from '../logger.ts';

/** A kafkajs client whose log lines go through the service's logger. */
export function createKafka(brokers: string[], clientId: string, logger: Logger): Kafka {
  return new Kafka({
    clientId,
    brokers,
    logLevel: kafkaLogLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...extra } = log;
        if (level <= kafkaLogLevel.ERROR) logger.error(extra, `kafka: ${message}`);
        else logger.warn(extra, `kafka: ${message}`);
      },
    retry: { initialRetryTime: 100, retries: 8 },
  });
}

export function parseBrokers(brokers: string): string[] {
  return brokers
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
}

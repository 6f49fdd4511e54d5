// Fetches the Kafka broker jars from Maven Central (once) into the cache folder.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureMavenJars } from './maven-jars.ts';

export const KAFKA_VERSION = '3.9.1';

const POM = join(dirname(fileURLToPath(import.meta.url)), 'kafka', 'pom.xml');

export interface KafkaJars {
  libsDir: string;
  /** Set when this call downloaded the jars (first run). */
  downloadMs?: number;
}

export async function ensureKafkaJars(cacheDir: string): Promise<KafkaJars> {
  const libsDir = join(cacheDir, `kafka-${KAFKA_VERSION}`, 'libs');
  const downloadMs = await ensureMavenJars(
    POM,
    libsDir,
    `to download the Kafka ${KAFKA_VERSION} jars from Maven Central on first use ` +
      '(or start Kafka yourself and set KAFKA_BROKERS)',
  );
  return downloadMs === undefined ? { libsDir } : { libsDir, downloadMs };
}

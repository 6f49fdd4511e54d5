// Fetches the Kafka broker jars from Maven Central (once) into the cache folder.
import { join } from 'node:path';
import { repoPath } from '../schema/repo-root.ts';
import { ensureMavenJars } from './maven-jars.ts';

export const KAFKA_VERSION = '3.9.1';

// From the repository, not beside this file: the same from the sources and from dist/.
const POM = repoPath('infra', 'kafka', 'pom.xml');

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

// Fetches the Kafka broker jars from Maven Central (once) into the cache folder.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireExecutable } from './executables.ts';
import { runCommand } from './process.ts';

export const KAFKA_VERSION = '3.9.1';

const POM = join(dirname(fileURLToPath(import.meta.url)), 'kafka', 'pom.xml');

export interface KafkaJars {
  libsDir: string;
  /** Set when this call downloaded the jars (first run). */
  downloadMs?: number;
}

function hasJars(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).some((file) => file.endsWith('.jar'));
}

export async function ensureKafkaJars(cacheDir: string): Promise<KafkaJars> {
  const home = join(cacheDir, `kafka-${KAFKA_VERSION}`);
  const libsDir = join(home, 'libs');
  if (hasJars(libsDir)) return { libsDir };

  const mvn = requireExecutable(
    'mvn',
    `to download the Kafka ${KAFKA_VERSION} jars from Maven Central on first use ` +
      '(or start Kafka yourself and set KAFKA_BROKERS)',
  );
  const started = Date.now();
  // Download into a private folder and rename: an interrupted download never looks complete,
  // and a concurrent start (npm start + test setup) never sees a half-filled libs folder.
  const tmpDir = join(home, `libs.tmp-${process.pid}`);
  rmSync(tmpDir, { recursive: true, force: true });
  mkdirSync(home, { recursive: true });
  try {
    await runCommand(mvn, [
      '-q',
      '-B',
      '-f',
      POM,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${tmpDir}`,
      '-DincludeScope=runtime',
    ]);
    if (!hasJars(tmpDir)) throw new Error(`Maven finished but left no jars in ${tmpDir}`);
    try {
      renameSync(tmpDir, libsDir);
    } catch (error) {
      // Another process finished first: use its copy.
      if (!hasJars(libsDir)) throw error;
    }
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
  return { libsDir, downloadMs: Date.now() - started };
}

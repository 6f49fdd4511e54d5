// Where the infrastructure lives, shared by `npm start` and `npm run infra` so both reuse (or
// start) the same Kafka, Redis and PostgreSQL with the same data folders.
import { resolve } from 'node:path';
import type { InfraOptions } from '../../infra/index.ts';
import { REPO_ROOT } from '../../schema/repo-root.ts';

export const repoRoot = REPO_ROOT;

/** The configuration folder `npm start` applies and watches: PULSEHUB_CONFIG_DIR, or config/. */
export function configDirOf(env: NodeJS.ProcessEnv): string {
  return resolve(repoRoot, env.PULSEHUB_CONFIG_DIR || 'config');
}

/** Where data lives (infrastructure, the served configuration repository): PULSEHUB_DATA_DIR, or .data/. */
export function dataDirOf(env: NodeJS.ProcessEnv): string {
  return resolve(repoRoot, env.PULSEHUB_DATA_DIR || '.data');
}

export function infraOptionsFromEnv(log: (line: string) => void): InfraOptions {
  return {
    dataDir: dataDirOf(process.env),
    cacheDir: resolve(repoRoot, '.cache'),
    kafkaBrokers: process.env.KAFKA_BROKERS || 'localhost:9092',
    redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
    databaseUrl: process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/pulsehub',
    log,
  };
}

// Where the infrastructure lives, shared by `npm start` and `npm run infra` so both reuse (or
// start) the same Kafka, Redis and PostgreSQL with the same data folders.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InfraOptions } from '../../infra/index.ts';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function infraOptionsFromEnv(log: (line: string) => void): InfraOptions {
  return {
    dataDir: resolve(repoRoot, '.data'),
    cacheDir: resolve(repoRoot, '.cache'),
    kafkaBrokers: process.env.KAFKA_BROKERS || 'localhost:9092',
    redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
    databaseUrl: process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/pulsehub',
    log,
  };
}

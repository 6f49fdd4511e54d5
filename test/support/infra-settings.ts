import path from 'node:path';
import { REPO_ROOT } from '../../schema/repo-root.ts';

export { REPO_ROOT };

/** The addresses tests use: the environment's, else the standard local ports. */
export function infraSettings(env: NodeJS.ProcessEnv = process.env) {
  return {
    dataDir: path.join(REPO_ROOT, '.data'),
    cacheDir: path.join(REPO_ROOT, '.cache'),
    kafkaBrokers: env['KAFKA_BROKERS'] ?? 'localhost:9092',
    redisUrl: env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    databaseUrl: env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/pulsehub',
  };
}

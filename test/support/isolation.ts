import { inject } from 'vitest';
import { createNamespace, type Namespace } from './namespace.ts';

/**
 * A namespace of its own for one test file inside the shared Kafka, Redis and PostgreSQL:
 * its own topics, Redis key prefix and database, so tests never see each other's data.
 */
export type Sandbox = Namespace;

export async function createSandbox(options: { partitions?: number } = {}): Promise<Sandbox> {
  return createNamespace(
    {
      kafkaBrokers: inject('kafkaBrokers'),
      redisUrl: inject('redisUrl'),
      databaseUrl: inject('databaseUrl'),
    },
    { idPrefix: 't', ...options },
  );
}

export { deleteKeysWithPrefix } from './redis-cleanup.ts';

// The infrastructure PulseHub needs (Kafka, Redis, PostgreSQL): reuse what is reachable at the
// configured addresses, start the rest locally. Used by `npm start`, `npm run infra` and the
// test global setup.
import { mkdirSync } from 'node:fs';
import { ensureKafka } from './kafka.ts';
import { ensurePostgres } from './postgres.ts';
import type { ManagedProcess } from './process.ts';
import { ensureRedis } from './redis.ts';
import type { InfraOptions, RunningInfra } from './types.ts';

export type { InfraOptions, RunningInfra } from './types.ts';

type Dependency = 'kafka' | 'redis' | 'postgres';

// Also the stop order: Kafka first (its controlled shutdown is the slowest and nothing needs it
// once the services are gone), then Redis, and PostgreSQL, the durable store, last.
const STOP_ORDER: readonly Dependency[] = ['kafka', 'redis', 'postgres'];

export async function ensureInfrastructure(options: InfraOptions): Promise<RunningInfra> {
  mkdirSync(options.dataDir, { recursive: true });
  mkdirSync(options.cacheDir, { recursive: true });

  // In parallel: a cold Kafka start takes seconds, PostgreSQL's initdb too; no reason to queue.
  const ensure: Record<Dependency, (options: InfraOptions) => Promise<ManagedProcess | undefined>> =
    { kafka: ensureKafka, redis: ensureRedis, postgres: ensurePostgres };
  const results = await Promise.allSettled(
    STOP_ORDER.map((name) =>
      ensure[name](options).catch((error: unknown) => {
        throw new Error(`${name}: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
      }),
    ),
  );

  const started: ManagedProcess[] = [];
  for (const result of results) {
    if (result.status === 'fulfilled' && result.value) started.push(result.value);
  }
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // Sequential on purpose: the order matters, see STOP_ORDER.
      for (const child of started) await child.stop();
    })();
    return stopping;
  };

  const failures = results.flatMap((result) =>
    result.status === 'rejected' ? [result.reason] : [],
  );
  if (failures.length > 0) {
    // Leave nothing behind when we cannot hand back a stop() to the caller.
    await stop();
    if (failures.length === 1) throw failures[0];
    throw new AggregateError(
      failures,
      failures
        .map((failure) => (failure instanceof Error ? failure.message : String(failure)))
        .join('\n'),
    );
  }

  return {
    kafkaBrokers: options.kafkaBrokers,
    redisUrl: options.redisUrl,
    databaseUrl: options.databaseUrl,
    stop,
  };
}

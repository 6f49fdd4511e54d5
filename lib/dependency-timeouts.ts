import { z } from 'zod';

const milliseconds = z.number().int().min(1).max(600_000);

/**
 * How long each PostgreSQL call may take (config/application.yml `database.*`; see
 * docs/operations.md "Dependencies and timeouts"). Defaulted, equal to application.yml, so a
 * configuration repository from before the timeouts keeps working.
 */
export const databaseTimeoutSettings = z.object({
  connectTimeoutMs: milliseconds.default(2_000),
  statementTimeoutMs: milliseconds.default(2_000),
  queryTimeoutMs: milliseconds.default(2_500),
  idleTimeoutMs: milliseconds.default(10_000),
  readyTimeoutMs: milliseconds.default(1_000),
});
export type DatabaseTimeouts = z.infer<typeof databaseTimeoutSettings>;

/** How long each Redis call may take (config/application.yml `redis.*`), defaulted likewise. */
export const redisTimeoutSettings = z.object({
  connectTimeoutMs: milliseconds.default(2_000),
  commandTimeoutMs: milliseconds.default(10_000),
  readyTimeoutMs: milliseconds.default(1_000),
});
export type RedisTimeouts = z.infer<typeof redisTimeoutSettings>;

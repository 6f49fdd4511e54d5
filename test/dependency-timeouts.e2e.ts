import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresComponent } from '../lib/postgres.ts';
import { databaseCause, isPostgresUnavailable } from '../lib/postgres-errors.ts';
import { createRedisComponent } from '../lib/redis.ts';
import { eventually } from './support/http.ts';
import { createSandbox, type Sandbox } from './support/isolation.ts';
import { proxyInFrontOf, type TcpProxy } from './support/tcp-proxy.ts';

/** Short timeouts, so each bound is measurable in a test. */
const PG_TIMEOUTS = {
  connectTimeoutMs: 500,
  statementTimeoutMs: 800,
  queryTimeoutMs: 1_000,
  idleTimeoutMs: 10_000,
  readyTimeoutMs: 300,
};
const REDIS_TIMEOUTS = { connectTimeoutMs: 500, commandTimeoutMs: 800, readyTimeoutMs: 300 };
/** Scheduling slack on a busy two-core machine. */
const SLACK_MS = 700;

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; error: unknown }> {
  const started = Date.now();
  const error = await work().then(
    () => undefined,
    (failure: unknown) => failure,
  );
  return { ms: Date.now() - started, error };
}

describe('PostgreSQL calls against a server that accepts connections but never answers', () => {
  let sandbox: Sandbox;
  let proxy: TcpProxy;
  let postgres: ReturnType<typeof createPostgresComponent>;

  beforeAll(async () => {
    sandbox = await createSandbox();
    const proxied = await proxyInFrontOf(sandbox.databaseUrl, 5432);
    proxy = proxied.proxy;
    const viaProxy = proxied.url;
    postgres = createPostgresComponent(viaProxy, { poolSize: 2, timeouts: PG_TIMEOUTS });
    await postgres.start();
  });
  afterAll(async () => {
    await proxy?.accept();
    await postgres?.stop();
    await proxy?.close();
    await sandbox?.dispose();
  });

  it('fails a transaction within one query timeout, drops its connection, and serves again after', async () => {
    // A pooled connection, open before the hang, is the one the transaction gets.
    await postgres.db.execute(sql`select 1`);
    expect(postgres.pool.idleCount).toBe(1);
    await proxy.hang();
    const failed = await timed(() =>
      postgres.db.transaction(async (tx) => {
        await tx.execute(sql`select 1`);
      }),
    );
    expect(databaseCause(failed.error).message).toMatch(/timeout|not queryable|closed/i);
    // Not twice the timeout: the rollback does not wait on the hung connection again.
    expect(failed.ms).toBeLessThan(PG_TIMEOUTS.queryTimeoutMs + SLACK_MS);
    // The hung connection left the pool instead of waiting there for its next user.
    expect(postgres.pool.totalCount).toBe(0);

    const ready = await timed(async () => {
      if (await postgres.ready()) throw new Error('ready while hanging');
    });
    expect(ready.error).toBeUndefined();
    expect(ready.ms).toBeLessThan(PG_TIMEOUTS.readyTimeoutMs + SLACK_MS);

    // A new connection is accepted but never answered: the connect timeout ends the wait.
    const query = await timed(() => postgres.db.execute(sql`select 1`));
    expect(isPostgresUnavailable(query.error), String(query.error)).toBe(true);
    expect(query.ms).toBeLessThan(PG_TIMEOUTS.connectTimeoutMs + SLACK_MS);

    await proxy.accept();
    await eventually(async () => ((await postgres.ready()) ? true : undefined), 10_000);
    await postgres.db.transaction(async (tx) => {
      await tx.execute(sql`select 1`);
    });
  });

  it('answers not ready at once while PostgreSQL refuses connections', async () => {
    await proxy.refuse();
    const ready = await timed(async () => {
      if (await postgres.ready()) throw new Error('ready while refused');
    });
    expect(ready.error).toBeUndefined();
    expect(ready.ms).toBeLessThan(PG_TIMEOUTS.readyTimeoutMs + SLACK_MS);
    await proxy.accept();
    await eventually(async () => ((await postgres.ready()) ? true : undefined), 10_000);
  });
});

describe('Redis calls against a server that accepts connections but never answers', () => {
  let sandbox: Sandbox;
  let proxy: TcpProxy;
  let redis: ReturnType<typeof createRedisComponent>;

  beforeAll(async () => {
    sandbox = await createSandbox();
    const proxied = await proxyInFrontOf(sandbox.redisUrl, 6379);
    proxy = proxied.proxy;
    const viaProxy = proxied.url;
    redis = createRedisComponent(viaProxy, 'redis', REDIS_TIMEOUTS);
    await redis.start();
  });
  afterAll(async () => {
    await proxy?.accept();
    await redis?.stop();
    await proxy?.close();
    await sandbox?.dispose();
  });

  it('fails a command within the command timeout, says not ready, and serves again after', async () => {
    const key = `${sandbox.keyPrefix}timeouts`;
    await redis.client.set(key, '1');
    await proxy.hang();
    const command = await timed(() => redis.client.get(key));
    expect(String(command.error)).toMatch(/timed out/i);
    expect(command.ms).toBeLessThan(REDIS_TIMEOUTS.commandTimeoutMs + SLACK_MS);
    const ready = await timed(async () => {
      if (await redis.ready()) throw new Error('ready while hanging');
    });
    expect(ready.error).toBeUndefined();
    expect(ready.ms).toBeLessThan(REDIS_TIMEOUTS.readyTimeoutMs + SLACK_MS);

    await proxy.accept();
    await eventually(async () => ((await redis.ready()) ? true : undefined), 10_000);
    expect(await redis.client.get(key)).toBe('1');
    await redis.client.del(key);
  });
});

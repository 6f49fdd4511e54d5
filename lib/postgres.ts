import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { databaseTimeoutSettings, type DatabaseTimeouts } from './dependency-timeouts.ts';
import { settlesWithin } from './deadline.ts';
import type { Component } from './lifecycle.ts';

export type Database = NodePgDatabase;
export type { DatabaseTimeouts };

/** The defaults of config/application.yml `database.*`, for callers without settings (tests). */
export const DEFAULT_DATABASE_TIMEOUTS: DatabaseTimeouts = databaseTimeoutSettings.parse({});

export interface PostgresOptions {
  /** Connections in the pool. Default 10. */
  poolSize?: number;
  timeouts?: DatabaseTimeouts;
  /**
   * Whether start() fails when PostgreSQL does not answer (default true). A consumer that
   * retries its writes by itself (the archiver) starts anyway, unready, so an instance can
   * join its group during an outage.
   */
  requireAtStart?: boolean;
}

/**
 * The pg pool's options: every call is bounded in time, so a PostgreSQL that accepts
 * connections but never answers fails calls like one that refuses them.
 * - connectionTimeoutMillis bounds opening a connection and waiting for a free one;
 * - statement_timeout makes PostgreSQL itself cancel a slow statement (the connection stays
 *   usable); query_timeout, a little longer, is pg's own wait for any answer, which only a
 *   hung server or network exceeds;
 * - idleTimeoutMillis closes unused connections, so a pool does not keep sockets to a server
 *   that went away.
 */
export function poolConfig(
  url: string,
  poolSize: number,
  timeouts: DatabaseTimeouts,
): pg.PoolConfig {
  return {
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: timeouts.connectTimeoutMs,
    statement_timeout: timeouts.statementTimeoutMs,
    query_timeout: timeouts.queryTimeoutMs,
    idleTimeoutMillis: timeouts.idleTimeoutMs,
    keepAlive: true,
  };
}

/**
 * Takes a checked-out connection out of service as soon as one of its queries fails for the
 * connection's sake rather than the statement's: anything but an error the server answered
 * with (pg.DatabaseError), i.e. pg's query_timeout ("Query read timeout"), a broken or closed
 * socket. Two defects this closes, both of which a hang turned into a service that never
 * recovered:
 * - query_timeout rejects the caller but leaves the query on the connection, still waiting: the
 *   next statement on it (a transaction's rollback) waits out the timeout again, and whatever
 *   the server does when it wakes up (the rest of a transaction whose rollback never reached
 *   it) would happen under the connection's next user. Ended, it fails the rollback at once and
 *   the server rolls the transaction back when the socket closes.
 * - drizzle's transaction() releases its connection in a `finally` that a failed `begin` never
 *   reaches: each such connection stayed checked out for good, until the pool had none left.
 *   Released here, with the error, the pool drops it and opens a new one when needed; the
 *   caller's own release, if it comes, is a no-op.
 * Pool#query and COPY streams release failed connections themselves; this covers the promise
 * queries of a checked-out connection (drizzle's transactions, copyEvents' begin and commit).
 */
function dropOnConnectionFailure(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const patched = (...args: unknown[]): unknown => {
    const result = query(...args);
    if (result instanceof Promise)
      result.catch((error: unknown) => {
        if (error instanceof pg.DatabaseError) return; // the server answered: the connection works
        const release = client.release.bind(client);
        client.release = () => undefined;
        void client.end().catch(() => undefined);
        release(error instanceof Error ? error : new Error(String(error)));
      });
    return result;
  };
  (client as unknown as { query: typeof patched }).query = patched;
}

/** A pg pool with drizzle on top, as a component whose readiness is a bounded round trip. */
export function createPostgresComponent(
  url: string,
  options: number | PostgresOptions = {},
): Component & { pool: pg.Pool; db: Database } {
  const settings = typeof options === 'number' ? { poolSize: options } : options;
  const timeouts = settings.timeouts ?? DEFAULT_DATABASE_TIMEOUTS;
  const pool = new pg.Pool(poolConfig(url, settings.poolSize ?? 10, timeouts));
  // An idle client losing its connection (server restart) must not crash the process.
  pool.on('error', () => undefined);
  // Nor may a checked-out one between two statements (a COPY transaction, a drizzle
  // transaction): pg then emits 'error' on the client, which has no listener of its own, and
  // the next statement on it fails as it should, for the caller's retry.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
    dropOnConnectionFailure(client);
  });

  /** One `select 1` answered within readyTimeoutMs, however the pool or the server fares. */
  async function answers(): Promise<boolean> {
    let answered = false;
    // A per-query query_timeout is pg's (Client#query reads it) though not in its typings.
    const select1 = { text: 'select 1', query_timeout: timeouts.readyTimeoutMs } as pg.QueryConfig;
    const probe = pool.query(select1).then(() => {
      answered = true;
    });
    const inTime = await settlesWithin(probe, timeouts.readyTimeoutMs);
    return inTime && answered;
  }

  return {
    name: 'postgres',
    pool,
    db: drizzle(pool),
    start: async () => {
      if (settings.requireAtStart === false) return;
      const client = await pool.connect();
      client.release();
    },
    // Idempotent: a service stopped twice (a test restarting it, a second signal) must not throw.
    stop: () => (pool.ended ? Promise.resolve() : pool.end()),
    ready: answers,
  };
}

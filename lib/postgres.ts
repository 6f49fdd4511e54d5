import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import type { Component } from './lifecycle.ts';

export type Database = NodePgDatabase;

/** A pg pool with drizzle on top, as a component whose readiness is a round trip. */
export function createPostgresComponent(
  url: string,
  poolSize = 10,
): Component & { pool: pg.Pool; db: Database } {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: 5_000,
  });
  // An idle client losing its connection (server restart) must not crash the process.
  pool.on('error', () => undefined);
  // Nor may a checked-out one between two statements (a COPY transaction, a drizzle
  // transaction): pg then emits 'error' on the client, which has no listener of its own, and
  // the next statement on it fails as it should, for the caller's retry.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return {
    name: 'postgres',
    pool,
    db: drizzle(pool),
    start: async () => {
      const client = await pool.connect();
      client.release();
    },
    // Idempotent: a service stopped twice (a test restarting it, a second signal) must not throw.
    stop: () => (pool.ended ? Promise.resolve() : pool.end()),
    ready: async () => {
      await pool.query('select 1');
      return true;
    },
  };
}

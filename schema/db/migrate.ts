import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { repoPath } from '../repo-root.ts';

export const MIGRATIONS_FOLDER = repoPath('schema', 'db', 'migrations');

/** Arbitrary but fixed: the advisory lock every PulseHub migration run takes. */
const MIGRATION_LOCK = 7_146_001;

/**
 * Applies the checked-in drizzle-kit migrations; safe to run on every start. Several
 * processes starting at once (archivers scaling out) take turns on an advisory lock, so a
 * migration never runs twice concurrently. The pool has one connection, so the lock, the
 * migrations and the unlock share one session.
 */
export async function runMigrations(databaseUrl: string): Promise<void> {
  // Connecting is bounded (a hung server fails the attempt; the archiver retries it), the
  // statements are not: a migration may rightly run for minutes on a large archive.
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 1,
    connectionTimeoutMillis: 10_000,
  });
  try {
    await pool.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await migrate(drizzle(pool), { migrationsFolder: MIGRATIONS_FOLDER });
    await pool.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  } finally {
    await pool.end();
  }
}

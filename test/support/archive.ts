import pg from 'pg';
import type { Sandbox } from './isolation.ts';

/** Direct reads of a sandbox's archive, for assertions (never through the service under test). */
export interface ArchiveProbe {
  /** Rows and distinct message ids whose message id starts with `prefix`. */
  counts(prefix?: string): Promise<{ rows: number; distinct: number }>;
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  close(): Promise<void>;
}

export function archiveProbe(sandbox: Sandbox): ArchiveProbe {
  const pool = new pg.Pool({ connectionString: sandbox.databaseUrl, max: 2 });
  return {
    async counts(prefix = '') {
      const { rows } = await pool.query<{ rows: number; distinct: number }>(
        `select count(*)::int as rows, count(distinct message_id)::int as distinct
         from events where message_id like $1 || '%'`,
        [prefix],
      );
      return rows[0] ?? { rows: 0, distinct: 0 };
    },
    async query(text, values = []) {
      return (await pool.query(text, values)).rows;
    },
    close: () => pool.end(),
  };
}

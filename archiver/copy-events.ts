import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { copyLine } from '../lib/postgres-copy-text.ts';
import type { EventRow } from '../schema/db/tables.ts';
import { EVENT_COLUMNS } from './insert-events.ts';

const COPY_EVENTS = `copy events (${EVENT_COLUMNS.map(([, name]) => `"${name}"`).join(', ')}) from stdin`;
const COLUMN_KEYS = EVENT_COLUMNS.map(([key]) => key);
const ROWS_PER_CHUNK = 500; // rows per write to the COPY stream

function* copyText(rows: readonly EventRow[]): Generator<string> {
  for (let start = 0; start < rows.length; start += ROWS_PER_CHUNK) {
    let chunk = '';
    for (const row of rows.slice(start, start + ROWS_PER_CHUNK))
      chunk += copyLine(row, COLUMN_KEYS);
    yield chunk;
  }
}

/**
 * Writes a batch with COPY, PostgreSQL's fastest way in, and returns the rows written. COPY is
 * all or nothing and knows no ON CONFLICT: a batch holding an event already stored (a
 * redelivery after a crash) fails whole with a unique violation and writes nothing, so the
 * caller then falls back to insertEvents, which skips stored events.
 */
export async function copyEvents(pool: pg.Pool, rows: readonly EventRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const client = await pool.connect();
  try {
    const copy = client.query(copyFrom(COPY_EVENTS));
    await pipeline(Readable.from(copyText(rows)), copy);
    client.release();
    return copy.rowCount;
  } catch (error) {
    // A connection that failed mid-COPY may be in any protocol state: never reuse it.
    client.release(true);
    throw error;
  }
}

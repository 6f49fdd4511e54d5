import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { copyLine } from '../lib/postgres-copy-text.ts';
import type { EventRow } from '../schema/db/tables.ts';
import { EVENT_COLUMNS, KEY_COLUMNS } from './insert-events.ts';

type Columns = ReadonlyArray<readonly [keyof EventRow, string]>;

const copyStatement = (table: string, columns: Columns) =>
  `copy ${table} (${columns.map(([, name]) => `"${name}"`).join(', ')}) from stdin`;

const COPY_KEYS = copyStatement('event_keys', KEY_COLUMNS);
const COPY_EVENTS = copyStatement('events', EVENT_COLUMNS);
const KEY_PROPERTIES = KEY_COLUMNS.map(([key]) => key);
const EVENT_PROPERTIES = EVENT_COLUMNS.map(([key]) => key);
const ROWS_PER_CHUNK = 500; // rows per write to the COPY stream

function* copyText(rows: readonly EventRow[], keys: ReadonlyArray<keyof EventRow>) {
  for (let start = 0; start < rows.length; start += ROWS_PER_CHUNK) {
    let chunk = '';
    for (const row of rows.slice(start, start + ROWS_PER_CHUNK)) chunk += copyLine(row, keys);
    yield chunk;
  }
}

async function copy(
  client: pg.PoolClient,
  statement: string,
  rows: readonly EventRow[],
  keys: ReadonlyArray<keyof EventRow>,
): Promise<number> {
  const stream = client.query(copyFrom(statement));
  await pipeline(Readable.from(copyText(rows, keys)), stream);
  return stream.rowCount;
}

/**
 * Writes a batch whose (profile id, message id) keys are distinct with COPY, PostgreSQL's
 * fastest way in, and returns the rows written: the keys into event_keys, then the events, in
 * one transaction. COPY is all or nothing and knows no ON CONFLICT: a batch holding an event
 * already stored (a redelivery after a crash, a client's retry) fails whole on event_keys'
 * primary key and writes nothing, so the caller then falls back to insertEvents, which skips
 * stored events. The keys go first because they are small: a redelivered batch fails before
 * any event's bytes are sent.
 */
export async function copyEvents(pool: pg.Pool, rows: readonly EventRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const client = await pool.connect();
  try {
    await client.query('begin');
    await copy(client, COPY_KEYS, rows, KEY_PROPERTIES);
    const written = await copy(client, COPY_EVENTS, rows, EVENT_PROPERTIES);
    await client.query('commit');
    client.release();
    return written;
  } catch (error) {
    // A connection that failed mid-COPY may be in any protocol state, even inside the
    // transaction: never reuse it (closing it rolls the transaction back).
    client.release(true);
    throw error;
  }
}

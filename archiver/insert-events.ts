import { getTableColumns, sql } from 'drizzle-orm';
import type { Database } from '../lib/postgres.ts';
import { eventKeys, events, type EventRow } from '../schema/db/tables.ts';

/** The table's columns in table order: (property of EventRow, column name). */
export const EVENT_COLUMNS = Object.entries(getTableColumns(events)).map(
  ([key, column]) => [key as keyof EventRow, column.name] as const,
);

/** The dedupe key's columns, whose properties an EventRow carries under the same names. */
export const KEY_COLUMNS = Object.entries(getTableColumns(eventKeys)).map(
  ([key, column]) => [key as keyof EventRow, column.name] as const,
);

/** A row keyed by column name, in table order, missing values as null. */
export function eventRecord(row: EventRow): Record<string, unknown> {
  // A plain loop: this runs for every archived event, and entries arrays cost a lot of garbage.
  const record: Record<string, unknown> = {};
  for (const [key, name] of EVENT_COLUMNS) record[name] = row[key] ?? null;
  return record;
}

const keyColumns = sql.join(
  KEY_COLUMNS.map(([, name]) => sql.identifier(name)),
  sql`, `,
);

/**
 * The archive's path for a batch that holds events stored before (a redelivery, a client's
 * retry) and for single rows: new batches go by COPY (copy-events.ts), which refuses a batch
 * with a stored key and falls back here.
 *
 * Inserts a batch whose (profile id, message id) keys are distinct, as one statement, and
 * returns how many rows were new: the keys go into event_keys, skipping those stored before,
 * and only the events whose key was new go into events. One statement is one transaction,
 * so an event and its key are stored together or not at all (a refused event leaves no key
 * behind). The rows travel as a single JSON parameter expanded by json_populate_recordset into
 * the table's own row type: one round trip and one parse per batch, where a multi-row VALUES
 * list with 14 parameters per row is about five times slower. `json` rather than `jsonb`: the
 * text is read once, field by field, with no binary document built first (about 15% more
 * rows/s).
 */
export async function insertEvents(db: Database, rows: readonly EventRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const records = rows.map(eventRecord);
  const result = await db.execute(sql`
    with batch as materialized (
      select * from json_populate_recordset(null::${events}, ${JSON.stringify(records)}::json)
    ), new_keys as (
      insert into ${eventKeys} (${keyColumns})
      select ${keyColumns} from batch
      on conflict do nothing
      returning profile_id, message_id
    )
    insert into ${events}
    select batch.* from batch join new_keys using (profile_id, message_id)`);
  return result.rowCount ?? 0;
}

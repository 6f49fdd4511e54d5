import type pg from 'pg';
import type { Database } from '../lib/postgres.ts';
import type { EventRow } from '../schema/db/tables.ts';
import { copyEvents } from './copy-events.ts';
import { insertEvents } from './insert-events.ts';
import type { PartitionKeeper } from './partitions.ts';
import { databaseCause, describeDatabaseError, isRowDataError } from './pg-errors.ts';

export interface ArchiveOutcome {
  inserted: number;
  duplicates: number;
  /** Rows the database refuses for what they contain, by source offset, with the reason. */
  rejected: Array<{ offset: number; reason: string }>;
}

/** Where the archive goes: the pool for COPY, drizzle on the same pool for statements. */
export interface ArchiveDatabase {
  db: Database;
  pool: pg.Pool;
}

/** SQLSTATE 23505: an event with the same (profile id, message id) is stored already. */
const UNIQUE_VIOLATION = '23505';

/** SQLSTATE 23514 with this message: no partition holds the row's month. */
const NO_PARTITION = /no partition of relation/;

/** The dedupe key as one string; the length prefix keeps any two ids apart. */
const keyOf = (row: EventRow) => `${row.profileId.length}:${row.profileId}${row.messageId}`;

/**
 * The first row of each (profile id, message id) in batch order: a client's retry may sit in
 * the same batch as the original, and COPY would refuse the batch for it.
 */
export function firstPerKey(rows: readonly EventRow[]): EventRow[] {
  const seen = new Set<string>();
  const first: EventRow[] = [];
  for (const row of rows) {
    const key = keyOf(row);
    if (seen.has(key)) continue;
    seen.add(key);
    first.push(row);
  }
  return first;
}

/**
 * Writes one batch; "the same event" (same profile id and messageId, whatever the timestamp)
 * is stored once, the first one wins. The batch's own repeats are dropped here, then one COPY
 * writes the rest, or, when it holds events stored before (a redelivery, a client's retry in
 * a later batch), one insert that skips them. Only when the database refuses the batch for its
 * content are the rows tried one by one, so a single bad row is set aside (for the dead-letter
 * topic) instead of blocking its partition forever. Any other failure (connection refused,
 * server restarting) is thrown for the caller to retry the whole batch, which is harmless:
 * stored events are skipped by their key.
 */
export async function archiveRows(
  database: ArchiveDatabase,
  partitions: PartitionKeeper,
  rows: readonly EventRow[],
): Promise<ArchiveOutcome> {
  const { db } = database;
  const distinct = firstPerKey(rows);
  const timestamps = distinct.map((row) => row.timestamp);
  const whole = async (): Promise<ArchiveOutcome> => {
    let inserted: number;
    try {
      inserted = await copyEvents(database.pool, distinct);
    } catch (error) {
      if (databaseCause(error).code !== UNIQUE_VIOLATION) throw error;
      inserted = await insertEvents(db, distinct);
    }
    return { inserted, duplicates: rows.length - inserted, rejected: [] };
  };
  await partitions.ensureFor(timestamps);
  try {
    return await whole();
  } catch (error) {
    if (!isRowDataError(error)) throw error;
    if (NO_PARTITION.test(databaseCause(error).message)) {
      // A month was dropped behind our back (retention elsewhere): create it and try again.
      partitions.forget();
      await partitions.ensureFor(timestamps);
      try {
        return await whole();
      } catch (again) {
        if (!isRowDataError(again)) throw again;
      }
    }
  }
  // Every row in batch order, repeats too: when the first copy of an event is refused, the
  // next one is the first stored.
  const outcome: ArchiveOutcome = { inserted: 0, duplicates: 0, rejected: [] };
  for (const row of rows) {
    try {
      const inserted = await insertEvents(db, [row]);
      outcome.inserted += inserted;
      outcome.duplicates += 1 - inserted;
    } catch (error) {
      // Its content, or a time no partition holds (or can: see PartitionKeeper), is refused.
      if (!isRowDataError(error)) throw error;
      outcome.rejected.push({
        offset: row.sourceOffset,
        reason: `archive refused the event: ${describeDatabaseError(error)}`,
      });
    }
  }
  return outcome;
}

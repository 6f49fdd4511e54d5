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

/** SQLSTATE 23505: a row with the same (message_id, timestamp) is stored already. */
const UNIQUE_VIOLATION = '23505';

/** SQLSTATE 23514 with this message: no partition holds the row's month. */
const NO_PARTITION = /no partition of relation/;

/**
 * Writes one batch: one COPY for the whole batch, or, when it holds events stored before (a
 * redelivery), one insert that skips them; only when the database refuses the batch for its
 * content are the rows tried one by one, so a single bad row is set aside
 * (for the dead-letter topic) instead of blocking its partition forever. Any other failure
 * (connection refused, server restarting) is thrown for the caller to retry the whole batch,
 * which is harmless: stored rows are skipped by the dedupe key.
 */
export async function archiveRows(
  database: ArchiveDatabase,
  partitions: PartitionKeeper,
  rows: readonly EventRow[],
): Promise<ArchiveOutcome> {
  const { db } = database;
  const timestamps = rows.map((row) => row.timestamp);
  const whole = async (): Promise<ArchiveOutcome> => {
    let inserted: number;
    try {
      inserted = await copyEvents(database.pool, rows);
    } catch (error) {
      if (databaseCause(error).code !== UNIQUE_VIOLATION) throw error;
      inserted = await insertEvents(db, rows);
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
  const outcome: ArchiveOutcome = { inserted: 0, duplicates: 0, rejected: [] };
  for (const row of rows) {
    try {
      const inserted = await insertEvents(db, [row]);
      outcome.inserted += inserted;
      outcome.duplicates += 1 - inserted;
    } catch (error) {
      // Its content (or, with every month present, a time no partition holds) is refused.
      if (!isRowDataError(error)) throw error;
      outcome.rejected.push({
        offset: row.sourceOffset,
        reason: `archive refused the event: ${describeDatabaseError(error)}`,
      });
    }
  }
  return outcome;
}

import { inArray, sql } from 'drizzle-orm';
import type { Database } from '../lib/postgres.ts';
import { profiles, type ProfileRow } from '../schema/db/tables.ts';
import { describeDatabaseError, isRowDataError } from './pg-errors.ts';
import type { SnapshotPlan } from './snapshot-plan.ts';

/** Rows per statement: 4 parameters each, far below PostgreSQL's 65,535 parameter limit. */
const CHUNK = 5_000;

export interface SnapshotOutcome {
  /** Rows deleted or upserted. */
  written: number;
  /** Snapshots the database refuses for what they contain, with the reason. */
  refused: Array<{ profileId: string; reason: string }>;
}

type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

async function upsert(tx: Transaction, rows: readonly ProfileRow[]): Promise<void> {
  await tx
    .insert(profiles)
    .values([...rows])
    .onConflictDoUpdate({
      target: profiles.profileId,
      set: {
        snapshot: sql`excluded.snapshot`,
        version: sql`excluded.version`,
        updatedAt: sql`excluded.updated_at`,
      },
      setWhere: sql`${profiles.version} < excluded.version`,
    });
}

/**
 * Applies a batch's plan in one transaction: tombstoned profiles are deleted, then snapshots
 * are upserted where only a newer version replaces an older one, so a replayed or reordered
 * changelog never moves a profile back in time. When the database refuses the batch for what a
 * row contains (a character jsonb cannot hold, a value out of range), each snapshot is written
 * on its own and the refused ones are returned for the dead-letter topic, instead of retrying
 * a batch that can never succeed. Any other failure is thrown for the caller to retry.
 */
export async function writeSnapshots(db: Database, plan: SnapshotPlan): Promise<SnapshotOutcome> {
  const written = plan.deletes.length + plan.upserts.length;
  if (written === 0) return { written, refused: [] };
  try {
    await db.transaction(async (tx) => {
      if (plan.deletes.length > 0)
        await tx.delete(profiles).where(inArray(profiles.profileId, plan.deletes));
      for (let start = 0; start < plan.upserts.length; start += CHUNK)
        await upsert(tx, plan.upserts.slice(start, start + CHUNK));
    });
    return { written, refused: [] };
  } catch (error) {
    if (!isRowDataError(error)) throw error;
  }
  const outcome: SnapshotOutcome = { written: 0, refused: [] };
  if (plan.deletes.length > 0) {
    await db.delete(profiles).where(inArray(profiles.profileId, plan.deletes));
    outcome.written += plan.deletes.length;
  }
  for (const row of plan.upserts) {
    try {
      await db.transaction((tx) => upsert(tx, [row]));
      outcome.written += 1;
    } catch (error) {
      if (!isRowDataError(error)) throw error;
      outcome.refused.push({
        profileId: row.profileId,
        reason: `snapshot table refused the snapshot: ${describeDatabaseError(error)}`,
      });
    }
  }
  return outcome;
}

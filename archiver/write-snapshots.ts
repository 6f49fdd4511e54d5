import { inArray, sql } from 'drizzle-orm';
import type { Database } from '../lib/postgres.ts';
import { profiles } from '../schema/db/tables.ts';
import type { SnapshotPlan } from './snapshot-plan.ts';

/** Rows per statement: 4 parameters each, far below PostgreSQL's 65,535 parameter limit. */
const CHUNK = 5_000;

/**
 * Applies a batch's plan in one transaction: tombstoned profiles are deleted, then snapshots
 * are upserted where only a newer version replaces an older one, so a replayed or reordered
 * changelog never moves a profile back in time.
 */
export async function writeSnapshots(db: Database, plan: SnapshotPlan): Promise<void> {
  if (plan.deletes.length === 0 && plan.upserts.length === 0) return;
  await db.transaction(async (tx) => {
    if (plan.deletes.length > 0)
      await tx.delete(profiles).where(inArray(profiles.profileId, plan.deletes));
    for (let start = 0; start < plan.upserts.length; start += CHUNK) {
      await tx
        .insert(profiles)
        .values(plan.upserts.slice(start, start + CHUNK))
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
  });
}

import { fencesOf, purgeErasedEvents } from '../profiles/erasure-archive.ts';
import { isErased, predatesFence } from '../profiles/erasure-fence.ts';
import type { EventRow } from '../schema/db/tables.ts';
import type { StoredProfile } from '../schema/profile.ts';
import { archiveRows, type ArchiveDatabase, type ArchiveOutcome } from './archive-rows.ts';
import type { PartitionKeeper } from './partitions.ts';
import type { SnapshotPlan } from './snapshot-plan.ts';

/**
 * archiveRows without the events of deleted profiles below their deletion fence (ADR 0005):
 * they were erased, so they are neither stored nor dead-lettered. The batch's fences are read
 * in one lookup before the write, and the write is followed by a purge of the same profiles,
 * because a deletion may commit its fence while this batch is being written: deleteProfile
 * commits the fence before it deletes, so either its delete sees this batch's rows, or this
 * purge (which starts after the write committed) sees its fence. No cache: a cached "not
 * erased" would let such a batch through.
 */
export async function archiveUnerased(
  database: ArchiveDatabase,
  partitions: PartitionKeeper,
  rows: readonly EventRow[],
): Promise<ArchiveOutcome> {
  const ids = [...new Set(rows.map((row) => row.profileId))];
  const fences = await fencesOf(database.db, ids);
  const kept =
    fences.size === 0
      ? rows
      : rows.filter((row) => {
          const fence = fences.get(row.profileId);
          return !fence || !isErased(fence, row.sourcePartition, row.sourceOffset);
        });
  const outcome =
    kept.length === 0
      ? { inserted: 0, duplicates: 0, rejected: [] }
      : await archiveRows(database, partitions, kept);
  await purgeErasedEvents(database.db, ids);
  return outcome;
}

/**
 * The plan without snapshots of deleted profiles that predate their fence: a processor round
 * that wrote before the deletion may send its snapshot after the tombstone; it must not bring
 * the erased profile back into the table. Snapshots built after the fence are kept.
 */
export async function withoutErasedSnapshots(
  db: ArchiveDatabase['db'],
  plan: SnapshotPlan,
): Promise<SnapshotPlan> {
  if (plan.upserts.length === 0) return plan;
  const fences = await fencesOf(
    db,
    plan.upserts.map((row) => row.profileId),
  );
  if (fences.size === 0) return plan;
  return {
    deletes: plan.deletes,
    upserts: plan.upserts.filter((row) => {
      const fence = fences.get(row.profileId);
      return !fence || !predatesFence(fence, (row.snapshot as StoredProfile).watermarks);
    }),
  };
}

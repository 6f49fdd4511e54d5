import { emptyStoredProfile, type StoredProfile } from '../schema/profile.ts';
import type { ProfileRow } from '../schema/db/tables.ts';

/** A changelog record as consumed: key = profile id, value = snapshot JSON or null (tombstone). */
export interface ChangelogRecord {
  key: Buffer | null;
  value: Buffer | null;
  offset: string;
}

/** What one batch of the changelog does to the `profiles` table, in this order. */
export interface SnapshotPlan {
  /** Profiles tombstoned in the batch (deleted first). */
  deletes: string[];
  /** Per profile the newest snapshot after its last tombstone in the batch. */
  upserts: ProfileRow[];
  /** Records that are neither a snapshot nor a tombstone, for the dead-letter topic. */
  rejected: Array<{ offset: string; reason: string }>;
}

type Parsed = { ok: true; snapshot: StoredProfile } | { ok: false; reason: string };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads a snapshot value: a `StoredProfile` (profile + watermarks) as the processor publishes
 * it, or a bare `UserProfile` (kept with empty watermarks).
 */
export function parseSnapshot(value: Buffer): Parsed {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: `snapshot is not JSON: ${(error as Error).message}` };
  }
  if (!isObject(parsed)) return { ok: false, reason: 'snapshot is not a JSON object' };
  // The processor's bookkeeping (watermarks, message-id window, sessions …) travels with the
  // profile so a snapshot restored into Redis continues exactly; a bare profile starts empty.
  const profile = isObject(parsed['profile']) ? parsed['profile'] : parsed;
  const empty = emptyStoredProfile(typeof profile['id'] === 'string' ? profile['id'] : '');
  const stored = isObject(parsed['profile'])
    ? { ...empty, ...parsed, watermarks: parsed['watermarks'] ?? {} }
    : { ...empty, profile: parsed };
  if (typeof profile['id'] !== 'string' || profile['id'] === '')
    return { ok: false, reason: 'snapshot has no profile id' };
  const version = profile['version'];
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0)
    return { ok: false, reason: 'snapshot has no valid version' };
  if (typeof profile['updatedAt'] !== 'string' || Number.isNaN(Date.parse(profile['updatedAt'])))
    return { ok: false, reason: 'snapshot has no valid updatedAt' };
  if (!isObject(stored.watermarks)) return { ok: false, reason: 'snapshot watermarks malformed' };
  return { ok: true, snapshot: stored as unknown as StoredProfile };
}

/**
 * Turns a batch of changelog records into table writes. Within a batch a profile may appear
 * several times: only its newest snapshot is written (one row per profile per statement), and
 * a tombstone deletes the row before any snapshot that followed it is written.
 */
export function planSnapshots(records: readonly ChangelogRecord[]): SnapshotPlan {
  const deletes = new Set<string>();
  const newest = new Map<string, StoredProfile>();
  const rejected: SnapshotPlan['rejected'] = [];
  for (const record of records) {
    const key = record.key?.toString('utf8');
    if (record.value === null) {
      if (key === undefined || key === '')
        rejected.push({ offset: record.offset, reason: 'tombstone without a key' });
      else {
        deletes.add(key);
        newest.delete(key);
      }
      continue;
    }
    const parsed = parseSnapshot(record.value);
    if (!parsed.ok) {
      rejected.push({ offset: record.offset, reason: parsed.reason });
      continue;
    }
    const { profile } = parsed.snapshot;
    if (key !== undefined && key !== profile.id) {
      rejected.push({
        offset: record.offset,
        reason: `key "${key}" differs from the snapshot's profile id "${profile.id}"`,
      });
      continue;
    }
    const previous = newest.get(profile.id);
    if (previous === undefined || previous.profile.version < profile.version)
      newest.set(profile.id, parsed.snapshot);
  }
  return {
    deletes: [...deletes],
    upserts: [...newest.values()].map((snapshot) => ({
      profileId: snapshot.profile.id,
      snapshot,
      version: snapshot.profile.version,
      updatedAt: snapshot.profile.updatedAt,
    })),
    rejected,
  };
}

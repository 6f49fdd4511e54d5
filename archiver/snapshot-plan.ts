import { parseChangelogKey } from '../profiles/changelog-keys.ts';
import { emptyStoredProfile, type StoredProfile } from '../schema/profile.ts';
import type { ProfileRow } from '../schema/db/tables.ts';

/** A changelog record as consumed: key = profile id, value = snapshot JSON or null (tombstone). */
export interface ChangelogRecord {
  key: Buffer | null;
  value: Buffer | null;
}

/**
 * A decoded changelog record: a profile's snapshot, its tombstone (snapshot null), or a chunk
 * of its dedupe window (snapshot undefined: nothing for the table, ADR 0014).
 */
export interface ChangelogEntry {
  profileId: string;
  snapshot: StoredProfile | null | undefined;
}

/** What one batch of the changelog does to the `profiles` table, in this order. */
export interface SnapshotPlan {
  /** Profiles tombstoned in the batch (deleted first). */
  deletes: string[];
  /** Per profile the newest snapshot after its last tombstone in the batch. */
  upserts: ProfileRow[];
}

type Parsed = { ok: true; snapshot: StoredProfile } | { ok: false; reason: string };
export type DecodedRecord =
  { ok: true; value: ChangelogEntry } | { ok: false; kind: 'invalid'; reason: string };

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
 * Decodes one changelog record. What is neither a snapshot nor a tombstone of the profile its
 * key names is refused with the reason, for the dead-letter topic.
 */
export function decodeChangelogRecord(record: ChangelogRecord): DecodedRecord {
  const key = record.key?.toString('utf8');
  const refuse = (reason: string): DecodedRecord => ({ ok: false, kind: 'invalid', reason });
  const window = key === undefined ? undefined : parseChangelogKey(key);
  if (window?.slot !== undefined)
    return { ok: true, value: { profileId: window.id, snapshot: undefined } };
  if (record.value === null)
    return key === undefined || key === ''
      ? refuse('tombstone without a key')
      : { ok: true, value: { profileId: key, snapshot: null } };
  const parsed = parseSnapshot(record.value);
  if (!parsed.ok) return refuse(parsed.reason);
  const { profile } = parsed.snapshot;
  if (key !== undefined && key !== profile.id)
    return refuse(`key "${key}" differs from the snapshot's profile id "${profile.id}"`);
  return { ok: true, value: { profileId: profile.id, snapshot: parsed.snapshot } };
}

/**
 * Turns a batch of decoded changelog records into table writes. Within a batch a profile may
 * appear several times: only its newest snapshot is written (one row per profile per
 * statement), and a tombstone deletes the row before any snapshot that followed it is written.
 * A snapshot that lists merged profiles (docs/identity.md) deletes their rows too: the
 * tombstone a merge sends may be missing (a crash between the merge and its changelog send),
 * and the survivor's snapshot is the record that they are gone.
 */
export function planSnapshots(entries: readonly ChangelogEntry[]): SnapshotPlan {
  const deletes = new Set<string>();
  const newest = new Map<string, StoredProfile>();
  for (const { profileId, snapshot } of entries) {
    if (snapshot === undefined) continue;
    if (snapshot === null) {
      deletes.add(profileId);
      newest.delete(profileId);
      continue;
    }
    const previous = newest.get(profileId);
    if (previous === undefined || previous.profile.version < snapshot.profile.version)
      newest.set(profileId, snapshot);
  }
  for (const snapshot of [...newest.values()])
    for (const merged of snapshot.profile.mergedFrom ?? []) {
      deletes.add(merged);
      newest.delete(merged);
    }
  return {
    deletes: [...deletes],
    upserts: [...newest.values()].map((snapshot) => ({
      profileId: snapshot.profile.id,
      snapshot,
      version: snapshot.profile.version,
      updatedAt: snapshot.profile.updatedAt,
    })),
  };
}

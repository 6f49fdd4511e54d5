import { describe, expect, it } from 'vitest';
import { emptyProfile, emptyStoredProfile, type StoredProfile } from '../schema/profile.ts';
import {
  decodeChangelogRecord,
  planSnapshots,
  type ChangelogEntry,
  type ChangelogRecord,
} from './snapshot-plan.ts';

const stored = (id: string, version: number): StoredProfile => ({
  ...emptyStoredProfile(id),
  profile: { ...emptyProfile(id), version, eventCount: version },
  watermarks: { 0: version },
});
const record = (key: string | null, value: unknown): ChangelogRecord => ({
  key: key === null ? null : Buffer.from(key),
  value: value === null ? null : Buffer.from(JSON.stringify(value)),
});
/** The entry a valid record decodes to. */
const entry = (key: string | null, value: unknown): ChangelogEntry => {
  const decoded = decodeChangelogRecord(record(key, value));
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.value;
};

describe('changelog records', () => {
  it('keeps only the newest snapshot of each profile in a batch', () => {
    const plan = planSnapshots([
      entry('u1', stored('u1', 3)),
      entry('u2', stored('u2', 1)),
      entry('u1', stored('u1', 5)),
      entry('u1', stored('u1', 4)),
    ]);
    expect(plan.deletes).toEqual([]);
    expect(plan.upserts.map((u) => [u.profileId, u.version])).toEqual([
      ['u1', 5],
      ['u2', 1],
    ]);
    expect(plan.upserts[0]?.snapshot).toEqual(stored('u1', 5));
  });

  it('deletes on a tombstone and writes only what followed it', () => {
    const plan = planSnapshots([
      entry('u1', stored('u1', 9)),
      entry('u1', null),
      entry('u1', stored('u1', 1)),
      entry('u2', stored('u2', 2)),
      entry('u2', null),
    ]);
    expect(plan.deletes.sort()).toEqual(['u1', 'u2']);
    expect(plan.upserts.map((u) => [u.profileId, u.version])).toEqual([['u1', 1]]);
  });

  it('deletes the rows of the profiles a snapshot lists as merged into it', () => {
    const survivor = stored('u1', 7);
    survivor.profile.identifiers = ['a1', 'a2', 'u1'];
    survivor.profile.mergedFrom = ['a1', 'a2'];
    const plan = planSnapshots([entry('a1', stored('a1', 3)), entry('u1', survivor)]);
    expect(plan.deletes.sort()).toEqual(['a1', 'a2']);
    expect(plan.upserts.map((u) => u.profileId)).toEqual(['u1']);
  });

  it('accepts a bare profile and keeps it with empty bookkeeping', () => {
    const plan = planSnapshots([entry('u3', stored('u3', 2).profile)]);
    expect(plan.upserts[0]?.snapshot).toEqual({
      ...emptyStoredProfile('u3'),
      profile: stored('u3', 2).profile,
    });
  });

  it('refuses what is neither a snapshot nor a tombstone of the profile its key names', () => {
    const decoded = [
      { key: Buffer.from('u1'), value: Buffer.from('{nope') },
      record('u1', { id: 'u1' }),
      record('u9', stored('u1', 1)),
      record(null, null),
    ].map(decodeChangelogRecord);
    expect(decoded.map((d) => (d.ok ? 'ok' : d.reason))).toEqual([
      expect.stringMatching(/^snapshot is not JSON/),
      'snapshot has no valid version',
      'key "u9" differs from the snapshot\'s profile id "u1"',
      'tombstone without a key',
    ]);
  });
});

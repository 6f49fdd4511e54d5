import { describe, expect, it } from 'vitest';
import { emptyProfile, emptyStoredProfile, type StoredProfile } from '../schema/profile.ts';
import { planSnapshots, type ChangelogRecord } from './snapshot-plan.ts';

const stored = (id: string, version: number): StoredProfile => ({
  ...emptyStoredProfile(id),
  profile: { ...emptyProfile(id), version, eventCount: version },
  watermarks: { 0: version },
});
let offset = 0;
const record = (key: string | null, value: unknown): ChangelogRecord => ({
  key: key === null ? null : Buffer.from(key),
  value: value === null ? null : Buffer.from(JSON.stringify(value)),
  offset: String(offset++),
});

describe('planSnapshots', () => {
  it('keeps only the newest snapshot of each profile in a batch', () => {
    const plan = planSnapshots([
      record('u1', stored('u1', 3)),
      record('u2', stored('u2', 1)),
      record('u1', stored('u1', 5)),
      record('u1', stored('u1', 4)),
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
      record('u1', stored('u1', 9)),
      record('u1', null),
      record('u1', stored('u1', 1)),
      record('u2', stored('u2', 2)),
      record('u2', null),
    ]);
    expect(plan.deletes.sort()).toEqual(['u1', 'u2']);
    expect(plan.upserts.map((u) => [u.profileId, u.version])).toEqual([['u1', 1]]);
  });

  it('accepts a bare profile and keeps it with empty bookkeeping', () => {
    const plan = planSnapshots([record('u3', stored('u3', 2).profile)]);
    expect(plan.upserts[0]?.snapshot).toEqual({
      ...emptyStoredProfile('u3'),
      profile: stored('u3', 2).profile,
    });
  });

  it('rejects what is neither a snapshot nor a tombstone', () => {
    const plan = planSnapshots([
      { key: Buffer.from('u1'), value: Buffer.from('{nope'), offset: '10' },
      record('u1', { id: 'u1' }),
      record('u9', stored('u1', 1)),
      record(null, null),
    ]);
    expect(plan.upserts).toEqual([]);
    expect(plan.rejected.map((r) => r.reason)).toEqual([
      expect.stringMatching(/^snapshot is not JSON/),
      'snapshot has no valid version',
      'key "u9" differs from the snapshot\'s profile id "u1"',
      'tombstone without a key',
    ]);
  });
});

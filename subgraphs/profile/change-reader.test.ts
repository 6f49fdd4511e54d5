import { describe, expect, it } from 'vitest';
import { emptyProfile, type UserProfile } from '../../schema/profile.ts';
import { createChangeReader, type ChangedProfile } from './change-reader.ts';

const change = (id: string, version: number) => ({
  id,
  version,
  segments: { entered: [], left: [] },
});
const profileAt = (id: string, version: number): UserProfile => ({
  ...emptyProfile(id),
  version,
});
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('createChangeReader', () => {
  it('merges changes that arrive during a read and never delivers a version twice', async () => {
    let current = 1;
    const reads: Array<() => void> = [];
    const delivered: ChangedProfile[] = [];
    const accept = createChangeReader({
      read: (id) => new Promise((resolve) => reads.push(() => resolve(profileAt(id, current)))),
      deliver: (changed) => delivered.push(changed),
      onError: () => undefined,
    });
    accept(change('u1', 1));
    current = 3;
    accept(change('u1', 2));
    accept(change('u1', 3));
    reads.shift()?.(); // the first read already sees version 3
    await tick();
    reads.shift()?.(); // the merged read of changes 2 and 3 sees version 3 again
    await tick();
    expect(delivered.map((u) => u.profile.version)).toEqual([3]);
    expect(delivered[0]?.changes.map((c) => c.version)).toEqual([1]);
    accept(change('u1', 2)); // stale: older than what was delivered
    expect(reads).toHaveLength(0);
  });

  it('keeps per-profile version order and reports read failures', async () => {
    const errors: string[] = [];
    const delivered: number[] = [];
    let fail = true;
    const accept = createChangeReader({
      read: (id) => (fail ? Promise.reject(new Error('down')) : Promise.resolve(profileAt(id, 5))),
      deliver: (changed) => delivered.push(changed.profile.version),
      onError: (_error, id) => errors.push(id),
    });
    accept(change('u2', 4));
    await tick();
    fail = false;
    accept(change('u2', 5));
    await tick();
    expect(errors).toEqual(['u2']);
    expect(delivered).toEqual([5]);
  });
});

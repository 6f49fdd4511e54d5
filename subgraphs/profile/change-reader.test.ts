import { describe, expect, it } from 'vitest';
import type { ProfileChange } from '../../schema/profile-change.ts';
import { emptyProfile, type UserProfile } from '../../schema/profile.ts';
import { createChangeReader, type ChangedProfile } from './change-reader.ts';

const profileAt = (id: string, version: number): UserProfile => ({
  ...emptyProfile(id),
  version,
  eventCount: version,
});
/** An announcement as the processor publishes it: the profile, and the version it replaced. */
const announced = (id: string, previousVersion: number, version: number): ProfileChange => ({
  id,
  version,
  previousVersion,
  segments: { entered: [], left: [] },
  profile: profileAt(id, version),
});
/** A notice of an older processor: no profile, no previous version. */
const notice = (id: string, version: number): ProfileChange => ({
  id,
  version,
  segments: { entered: [], left: [] },
});
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A reader whose reads wait until the test answers them, counting every read. */
function readerUnderTest() {
  const reads: Array<{ id: string; answer(profile: UserProfile | undefined): void }> = [];
  const delivered: ChangedProfile[] = [];
  const errors: string[] = [];
  const reader = createChangeReader({
    read: (id) =>
      new Promise((resolve) => reads.push({ id, answer: (profile) => resolve(profile) })),
    deliver: (changed) => delivered.push(changed),
    onError: (_error, id) => errors.push(id),
  });
  const versions = () => delivered.map((changed) => changed.profile.version);
  return { reader, reads, delivered, errors, versions };
}

describe('createChangeReader', () => {
  it('delivers announcements that continue in order from their profile, reading nothing', () => {
    const { reader, reads, delivered, versions } = readerUnderTest();
    reader.accept(announced('u1', 0, 1));
    reader.accept(announced('u1', 1, 4)); // a batch of three events: one announcement
    reader.accept(announced('u1', 4, 5));
    expect(reads).toHaveLength(0);
    expect(versions()).toEqual([1, 4, 5]);
    expect(delivered[1]?.profile).toEqual(profileAt('u1', 4));
    expect(delivered[1]?.changes.map((change) => change.version)).toEqual([4]);
  });

  it('reads the profile once after a gap, then goes on from what it read', async () => {
    const { reader, reads, delivered, versions } = readerUnderTest();
    reader.accept(announced('u1', 0, 1));
    reader.accept(announced('u1', 3, 4)); // 1 -> 3 was lost
    expect(reads.map((read) => read.id)).toEqual(['u1']);
    reader.accept(announced('u1', 4, 5)); // arrives during the read: waits for it
    reads.shift()?.answer(profileAt('u1', 5));
    await tick();
    expect(versions()).toEqual([1, 5]);
    expect(delivered[1]?.changes.map((change) => change.version)).toEqual([4, 5]);
    reader.accept(announced('u1', 5, 6));
    expect(reads).toHaveLength(0);
    expect(versions()).toEqual([1, 5, 6]);
  });

  it('reads the profile for a notice without one (an older processor)', async () => {
    const { reader, reads, versions } = readerUnderTest();
    reader.accept(notice('u1', 2));
    expect(reads).toHaveLength(1);
    reads.shift()?.answer(profileAt('u1', 2));
    await tick();
    expect(versions()).toEqual([2]);
    // A carried announcement without its previous version cannot show it is in order.
    const { previousVersion: _unknown, ...unplaced } = announced('u1', 2, 3);
    reader.accept(unplaced);
    expect(reads).toHaveLength(1);
  });

  it('delivers the changes a read covers with it, never a version twice or backwards', async () => {
    const { reader, reads, delivered, versions } = readerUnderTest();
    reader.accept(notice('u1', 1));
    reader.accept(notice('u1', 2));
    reader.accept(notice('u1', 3));
    reads.shift()?.answer(profileAt('u1', 3)); // the one read already sees version 3
    await tick();
    expect(reads).toHaveLength(0);
    expect(versions()).toEqual([3]);
    expect(delivered[0]?.changes.map((change) => change.version)).toEqual([1, 2, 3]);
    reader.accept(announced('u1', 1, 2)); // stale: older than what was delivered
    reader.resynchronised(profileAt('u1', 2));
    expect(reads).toHaveLength(0);
    expect(versions()).toEqual([3]);
  });

  it('continues from a profile resynchronised after a reconnect', () => {
    const { reader, reads, versions } = readerUnderTest();
    reader.accept(announced('u1', 0, 1));
    reader.resynchronised(profileAt('u1', 7)); // 1 -> 7 published while disconnected
    reader.accept(announced('u1', 7, 8));
    expect(reads).toHaveLength(0);
    expect(versions()).toEqual([1, 7, 8]);
  });

  it('keeps each profile apart and reports read failures, recovering at the next change', async () => {
    const errors: string[] = [];
    const delivered: Array<[string, number]> = [];
    let fail = true;
    let readCount = 0;
    const reader = createChangeReader({
      read: (id) => {
        readCount += 1;
        return fail ? Promise.reject(new Error('down')) : Promise.resolve(profileAt(id, 6));
      },
      deliver: (changed) => delivered.push([changed.profile.id, changed.profile.version]),
      onError: (_error, id) => errors.push(id),
    });
    reader.accept(announced('u2', 0, 1));
    reader.accept(announced('u3', 0, 1));
    reader.accept(announced('u2', 3, 4)); // a gap whose read fails
    await tick();
    expect(errors).toEqual(['u2']);
    fail = false;
    reader.accept(announced('u2', 4, 6)); // still not after 1: read again
    await tick();
    expect(readCount).toBe(2);
    expect(delivered).toEqual([
      ['u2', 1],
      ['u3', 1],
      ['u2', 6],
    ]);
  });
});

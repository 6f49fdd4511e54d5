import { describe, expect, it } from 'vitest';
import {
  emptyStoredProfile,
  parseStoredProfile,
  storedDocument,
  type StoredProfile,
} from '../schema/profile.ts';
import { redisLayout } from '../schema/redis-keys.ts';
import { useOwnRedis } from '../test/support/redis-server.ts';
import { chunksOf, type RingChunk } from './message-id-ring.ts';
import {
  dropChunksWithoutDocument,
  restoreProfiles,
  restoreWindowChunks,
} from './profile-restore.ts';
import { createProfileStore, type ProfileWrite } from './profile-store.ts';

const WINDOW = 1_000;
const hashOf = (n: number) => `h${String(n).padStart(11, '0')}`;

/** A profile that has remembered `count` messageIds (the newest WINDOW kept). */
function profileWith(id: string, count: number): StoredProfile {
  const stored = emptyStoredProfile(id);
  stored.messageIdCount = count;
  stored.recentMessageIds = Array.from({ length: Math.min(count, WINDOW) }, (_, i) =>
    hashOf(count - Math.min(count, WINDOW) + i),
  );
  stored.profile.version = count;
  return stored;
}

/** The write that takes `before` to `after`, storing the chunks the new hashes touched. */
function writeOf(before: StoredProfile, after: StoredProfile): ProfileWrite {
  const id = after.profile.id;
  return {
    id,
    expectedVersion: before.profile.version,
    nextVersion: after.profile.version,
    document: storedDocument(after),
    change: { id, version: after.profile.version, segments: { entered: [], left: [] } },
    ring: chunksOf(
      after.recentMessageIds,
      after.messageIdCount,
      after.messageIdCount - before.messageIdCount,
      WINDOW,
    ),
  };
}

describe('the dedupe window beside the profile document', () => {
  const redis = useOwnRedis();
  /** What each write sent as window chunks: a changelog of them, in order. */
  const sent: Array<{ id: string; chunk: RingChunk }> = [];

  it('reads back the window its writes stored, one event at a time and in large rounds', async () => {
    const layout = redisLayout('live:');
    const store = createProfileStore(redis(), layout, { messageIdWindow: () => WINDOW });
    let before = emptyStoredProfile('p1');
    for (const count of [1, 2, 3, 40, 41, 1_000, 1_001, 2_500, 2_501, 2_502]) {
      const after = profileWith('p1', count);
      const write = writeOf(before, after);
      for (const chunk of write.ring ?? []) sent.push({ id: 'p1', chunk });
      expect(await store.writeMany([write])).toEqual([]);
      const [read] = await store.readForUpdate(['p1']);
      expect(read?.stored?.recentMessageIds).toEqual(after.recentMessageIds);
      expect(read?.stored?.messageIdCount).toBe(count);
      expect(read?.stored?.unsavedMessageIds).toBe(0);
      before = after;
    }
    // The document itself carries no hash: its size does not grow with the window.
    const doc = (await redis().hget(layout.profile('p1'), 'doc')) ?? '';
    expect(doc).not.toContain(hashOf(2_501));
    expect(Buffer.byteLength(doc)).toBeLessThan(1_000);
  });

  it('restores the window from the chunks sent, whatever came first, never over newer chunks', async () => {
    const layout = redisLayout('restored:');
    const store = createProfileStore(redis(), layout, { messageIdWindow: () => WINDOW });
    const latest = profileWith('p1', 2_502);
    // A changelog record of the document carries no window (storedDocument), as restored.
    const document = parseStoredProfile('p1', storedDocument(latest));
    expect(document.recentMessageIds).toEqual([]);
    const chunks = sent.map(({ id, chunk }) => ({ id, ...chunk }));
    // Newest first, then everything again in order: an older chunk never replaces a newer one.
    await restoreWindowChunks(redis(), layout, [...chunks].reverse());
    await restoreWindowChunks(redis(), layout, chunks);
    expect(await restoreProfiles(redis(), layout, [document], 'covering')).toEqual(['p1']);
    const [read] = await store.readMany(['p1']);
    expect(read?.recentMessageIds).toEqual(latest.recentMessageIds);
  });

  it('drops chunks whose document never came, and keeps those whose did', async () => {
    const layout = redisLayout('orphans:');
    await restoreWindowChunks(redis(), layout, [
      { id: 'kept', slot: 0, text: `0:${hashOf(0)}` },
      { id: 'orphan', slot: 0, text: `0:${hashOf(0)}` },
    ]);
    await restoreProfiles(redis(), layout, [profileWith('kept', 1)], 'absent');
    expect(await dropChunksWithoutDocument(redis(), layout, ['kept', 'orphan'])).toBe(1);
    expect(await redis().exists(layout.profile('orphan'))).toBe(0);
    expect(await redis().hget(layout.profile('kept'), 'm0')).toBe(`0:${hashOf(0)}`);
  });

  it('reads a document from before the chunks with its inline window, all of it to be stored', async () => {
    const layout = redisLayout('legacy:');
    const store = createProfileStore(redis(), layout, { messageIdWindow: () => WINDOW });
    const {
      messageIdCount: _count,
      unsavedMessageIds: _unsaved,
      ...legacy
    } = profileWith('p1', 30);
    await redis().hset(layout.profile('p1'), 'version', '30', 'doc', JSON.stringify(legacy));
    const [read] = await store.readMany(['p1']);
    expect(read?.recentMessageIds).toEqual(legacy.recentMessageIds);
    expect(read?.messageIdCount).toBe(30);
    expect(read?.unsavedMessageIds).toBe(30);
  });
});

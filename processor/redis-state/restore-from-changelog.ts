import type { RedisClient } from '../../lib/redis.ts';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { restoreIdentities } from '../../profiles/identity-index.ts';
import { parseChangelogKey } from '../../profiles/changelog-keys.ts';
import { RING_SLOTS } from '../../profiles/message-id-ring.ts';
import {
  dropChunksWithoutDocument,
  forgetProfiles,
  restoreProfiles,
  restoreWindowChunks,
  type RestoredChunk,
} from '../../profiles/profile-restore.ts';
import { segmentMemberSets } from '../../profiles/segment-sets.ts';
import { parseStoredProfile, type StoredProfile, type UserProfile } from '../../schema/profile.ts';
import type { RedisLayout } from '../../schema/redis-keys.ts';
import { readTopicToEnd } from './read-topic-to-end.ts';

export interface ChangelogRestoreOptions {
  redis: RedisClient;
  layout: RedisLayout;
  kafka: Kafka;
  changelogTopic: string;
  /** Prefix of the throwaway consumer group that reads the changelog. */
  groupPrefix: string;
  /** The configured segments: a restored profile leaves the sets of those it is not in. */
  knownSegments: readonly string[];
  /**
   * Whether to remove every Redis copy of a profile whose latest changelog record is a
   * tombstone (an older persistence brought the deleted profile back). Only the restore that
   * follows the loss does; a later one by another processor removes only what it wrote itself.
   */
  forgetAllTombstoned: boolean;
  /** Profiles per Redis pipeline (default 500). */
  writeBatch?: number;
}

export interface ChangelogRestoreResult {
  /** Changelog records read. */
  records: number;
  /** Profiles written to Redis (Redis had no copy, or one the record covers). */
  written: number;
  /** Records left unwritten because Redis holds a newer copy (written since, by a processor). */
  kept: number;
  /** Redis copies removed because the profile's latest record is a tombstone. */
  forgotten: number;
  /** Records that are not a stored profile, skipped (the archiver dead-letters them). */
  unreadable: number;
}

/**
 * The stored profile a record carries, or undefined for anything else (not JSON, another
 * profile's id, no version or watermarks): writing that would give the profile a document
 * without the watermarks that say what it has applied.
 */
function storedProfileOf(id: string, value: Buffer): StoredProfile | undefined {
  try {
    const stored = parseStoredProfile(id, value.toString());
    const { profile, watermarks } = stored as Partial<StoredProfile>;
    const valid =
      profile?.id === id &&
      Number.isInteger(profile.version) &&
      typeof watermarks === 'object' &&
      watermarks !== null;
    return valid ? stored : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Rebuilds the processor's Redis state from the compacted profile-changelog, the state's
 * backup: every record is written with the restore script in `covering` mode, in topic order,
 * so a newer record replaces an older one and nothing replaces a copy that has seen events
 * the record has not (a processor's write since). Compaction may not have run yet, so a
 * profile can have several records; only the last of each fetched batch is written. Each
 * written profile's segment sets follow its document; a profile whose last record is a
 * tombstone is removed (see `forgetAllTombstoned`). The chunks of the profiles' dedupe windows
 * (records of their own, ADR 0014) are put back beside the documents, never over newer ones.
 */
export async function restoreFromChangelog(
  options: ChangelogRestoreOptions,
): Promise<ChangelogRestoreResult> {
  const { redis, layout } = options;
  const writeBatch = options.writeBatch ?? 500;
  const result: ChangelogRestoreResult = {
    records: 0,
    written: 0,
    kept: 0,
    forgotten: 0,
    unreadable: 0,
  };
  const tombstoned = new Set<string>();
  const writtenHere = new Set<string>();
  /** Profiles whose window chunks were put back: each must have a document in the end. */
  const withChunks = new Set<string>();
  /**
   * Per profile whose latest record links other identifiers, what its identity keys must say:
   * only the identity fields, not the whole profile, are kept until the end of the restore.
   */
  const persons = new Map<
    string,
    { profile: Pick<UserProfile, 'id' | 'identifiers' | 'mergedFrom'> }
  >();

  async function onBatch(messages: KafkaMessage[]): Promise<void> {
    result.records += messages.length;
    const latest = new Map<string, Buffer | null>();
    const chunks = new Map<string, RestoredChunk>();
    for (const { key, value } of messages) {
      const text = key?.toString();
      if (!text) continue;
      const { id, slot } = parseChangelogKey(text);
      if (slot === undefined) latest.set(id, value);
      else if (slot >= 0 && slot < RING_SLOTS)
        chunks.set(text, { id, slot, text: value === null ? null : value.toString() });
    }
    for (const { id, text } of chunks.values()) if (text !== null) withChunks.add(id);
    await restoreWindowChunks(redis, layout, [...chunks.values()]);
    const profiles: StoredProfile[] = [];
    for (const [id, value] of latest) {
      persons.delete(id);
      if (value === null) {
        tombstoned.add(id);
        continue;
      }
      tombstoned.delete(id);
      const stored = storedProfileOf(id, value);
      if (stored) profiles.push(stored);
      else result.unreadable += 1;
      if (stored && (stored.profile.identifiers.length > 1 || stored.profile.mergedFrom.length > 0))
        persons.set(id, {
          profile: {
            id,
            identifiers: stored.profile.identifiers,
            mergedFrom: stored.profile.mergedFrom,
          },
        });
    }
    for (let start = 0; start < profiles.length; start += writeBatch) {
      const chunk = profiles.slice(start, start + writeBatch);
      const written = await restoreProfiles(redis, layout, chunk, 'covering', {
        knownSegments: options.knownSegments,
      });
      for (const id of written) writtenHere.add(id);
      result.written += written.length;
      result.kept += chunk.length - written.length;
    }
  }

  await readTopicToEnd({
    kafka: options.kafka,
    topic: options.changelogTopic,
    groupPrefix: options.groupPrefix,
    onBatch,
  });
  // Last, once every record is in: a merged profile's older record may come after its
  // survivor's (another partition), and a merge whose tombstone never reached the changelog
  // (a crash in between) is known from the survivor's mergedFrom alone.
  result.forgotten += await restoreIdentities(redis, layout, [...persons.values()]);
  const forget = [...tombstoned].filter((id) => options.forgetAllTombstoned || writtenHere.has(id));
  // Chunks whose document never came (its record was a tombstone, or the send that carried
  // it broke off after them) would make the hash look like a profile to the identity checks.
  const chunked = [...withChunks];
  for (let start = 0; start < chunked.length; start += writeBatch)
    await dropChunksWithoutDocument(redis, layout, chunked.slice(start, start + writeBatch));
  if (forget.length > 0) {
    const sets = await segmentMemberSets(redis, layout);
    for (let start = 0; start < forget.length; start += writeBatch)
      result.forgotten += await forgetProfiles(
        redis,
        layout,
        forget.slice(start, start + writeBatch),
        sets,
      );
  }
  return result;
}

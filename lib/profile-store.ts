import type { Redis, Result } from 'ioredis';
import { parseStoredProfile, type StoredProfile } from '../schema/profile.ts';
import type { ProfileChangeMessage } from '../schema/profile-change.ts';
import type { RedisLayout } from '../schema/redis-keys.ts';

/**
 * Writes a profile only if its version is still the one we read, and announces the change in
 * the same atomic step, so a change is published if and only if it was stored. One key per
 * call keeps it valid on Redis Cluster (each profile is its own hash slot).
 * KEYS[1] profile hash; ARGV: expected version, new version, document, channel, all-channel, message.
 */
const COMPARE_AND_SET = `
local current = redis.call('HGET', KEYS[1], 'version') or '0'
if current ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[2], 'doc', ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[6])
redis.call('PUBLISH', ARGV[5], ARGV[6])
return 1
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    pulsehubCompareAndSet(
      key: string,
      expected: string,
      next: string,
      doc: string,
      channel: string,
      allChannel: string,
      message: string,
    ): Result<number, Context>;
  }
}

export interface ProfileWrite {
  id: string;
  expectedVersion: number;
  nextVersion: number;
  /** The stored profile as JSON: serialised once by the caller, who sends the same text on. */
  document: string;
  /** The pub/sub announcement of this change. */
  message: ProfileChangeMessage;
}

export interface SegmentMembership {
  id: string;
  /** The segments the stored profile is in. */
  segments: readonly string[];
}

export interface ProfileStore {
  /** Reads several profiles in one round trip; missing ones are undefined. */
  readMany(ids: readonly string[]): Promise<Array<StoredProfile | undefined>>;
  /** Applies writes atomically per profile; returns the ids whose version had moved on. */
  writeMany(writes: readonly ProfileWrite[]): Promise<string[]>;
  /**
   * Makes the per-segment sets agree with the stored profiles: SADD to each segment a profile
   * is in, SREM from each other known segment. The profile document is the source of truth;
   * the sets live in their own hash slots (one per segment), so on Redis Cluster they cannot
   * join the profile's Lua step. Call it after the writes succeeded, for every profile whose
   * segments changed and every profile that saw a redelivered event: it is idempotent, so a
   * crash between the write and this call is repaired when the batch is redelivered.
   */
  syncSegmentSets(
    memberships: readonly SegmentMembership[],
    knownSegments: readonly string[],
  ): Promise<void>;
}

export function createProfileStore(redis: Redis, layout: RedisLayout): ProfileStore {
  redis.defineCommand('pulsehubCompareAndSet', { numberOfKeys: 1, lua: COMPARE_AND_SET });
  return {
    async readMany(ids) {
      if (ids.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const id of ids) pipeline.hget(layout.profile(id), 'doc');
      const results = (await pipeline.exec()) ?? [];
      return results.map(([error, doc], index) => {
        if (error) throw error;
        return typeof doc === 'string' ? parseStoredProfile(ids[index] ?? '', doc) : undefined;
      });
    },
    async writeMany(writes) {
      if (writes.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const { id, expectedVersion, nextVersion, document, message } of writes) {
        pipeline.pulsehubCompareAndSet(
          layout.profile(id),
          String(expectedVersion),
          String(nextVersion),
          document,
          layout.profileChannel(id),
          layout.allProfilesChannel,
          JSON.stringify(message),
        );
      }
      const results = (await pipeline.exec()) ?? [];
      const conflicts: string[] = [];
      results.forEach(([error, applied], index) => {
        if (error) throw error;
        const write = writes[index];
        if (applied !== 1 && write) conflicts.push(write.id);
      });
      return conflicts;
    },
    async syncSegmentSets(memberships, knownSegments) {
      if (memberships.length === 0) return;
      const pipeline = redis.pipeline();
      for (const { id, segments } of memberships) {
        for (const segment of new Set([...knownSegments, ...segments])) {
          if (segments.includes(segment)) pipeline.sadd(layout.segmentMembers(segment), id);
          else pipeline.srem(layout.segmentMembers(segment), id);
        }
      }
      const results = (await pipeline.exec()) ?? [];
      for (const [error] of results) if (error) throw error;
    },
  };
}

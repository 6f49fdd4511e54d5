import type { Result } from 'ioredis';
import type { RedisClient } from '../lib/redis.ts';
import { parseStoredProfile, type StoredProfile } from '../schema/profile.ts';
import type { ProfileChange } from '../schema/profile-change.ts';
import type { RedisLayout } from '../schema/redis-keys.ts';
import { RING_FIELDS, ringFieldPairs, windowOf, type RingChunk } from './message-id-ring.ts';
import type { RecentActivity, RecentActivitySettings } from './recent-activity.ts';
import {
  createPersonLocks,
  newLock,
  PLAN_TTL_SECONDS,
  tokenOf,
  type MergeLocks,
  type MergePlan,
} from './person-locks.ts';
import { stateMarkerKeys } from './state-marker-keys.ts';

/**
 * Writes a profile only if its version is still the one we read, its deletion fence is still
 * the one the writer applied its events against, no identity key says it was merged away and
 * no lock (person-locks.ts) says a merge or erasure is changing it, and announces the change in
 * the same atomic step, so a change is published if and only if it was stored. A round that
 * read the profile before a deletion fenced it (a brand-new profile too: version 0 both sides)
 * is refused like a version conflict and re-reads: it cannot write the erased events back (ADR
 * 0005). Every key is in the profile's own hash slot (schema/redis-keys.ts), so the step runs
 * unchanged on Redis Cluster.
 * A write that merges profiles or links identifiers (ADR 0012, ADR 0015) is the commit of a
 * merge whose other identifiers are locked already: ARGV[8] is the lock's token and ARGV[12]
 * the plan that finishes it, stored in the same step (KEYS[6]) unless the token was given up
 * (KEYS[7]); '' both for a plain write.
 * The same step keeps the profile's recent-activity list (KEYS[4]): the merged profiles' lists
 * (ARGV[13] entries, read when they were locked) go behind it, the round's applied activities
 * are pushed (newest at the head), and the list is trimmed to ARGV[10] entries and given
 * ARGV[11] seconds to live; before the announcement, so a subscriber that reacts to it finds
 * the event listed. ARGV[10] '0' writes no list.
 * The same step stores the chunks of the profile's dedupe window its events touched (ADR 0014,
 * message-id-ring.ts) as fields of its hash: after the moved entries, how many, then field and
 * text of each ('' clears the field).
 * KEYS: profile hash, fence, identity key, recent activity, lock, merge plans, given-up
 * merges; ARGV: expected version, new version, document, channel, all-channel, the
 * ProfileChange (JSON), the fence seen ('' for none), the merge token, the state epoch
 * (GUARDED_COMPARE_AND_SET; '' otherwise), the list's size and TTL, the merge plan, the number
 * of moved entries and the entries, the number of window chunks and their field/text pairs,
 * then the activities (JSON each), oldest first.
 */
const COMPARE_AND_SET = `
local fence = redis.call('GET', KEYS[2]) or ''
if fence ~= ARGV[7] then return 0 end
local current = redis.call('HGET', KEYS[1], 'version') or '0'
if current ~= ARGV[1] then return 0 end
if redis.call('EXISTS', KEYS[3]) == 1 or redis.call('EXISTS', KEYS[5]) == 1 then return 0 end
if ARGV[8] ~= '' then
  if redis.call('SISMEMBER', KEYS[7], ARGV[8]) == 1 then return 0 end
  redis.call('HSET', KEYS[6], ARGV[8], ARGV[12])
  redis.call('EXPIRE', KEYS[6], ${PLAN_TTL_SECONDS})
end
redis.call('HSET', KEYS[1], 'version', ARGV[2], 'doc', ARGV[3])
local moved = tonumber(ARGV[13])
local chunksAt = 14 + moved
local chunks = tonumber(ARGV[chunksAt])
for i = 1, chunks do
  local field, text = ARGV[chunksAt + 2 * i - 1], ARGV[chunksAt + 2 * i]
  if text == '' then redis.call('HDEL', KEYS[1], field) else redis.call('HSET', KEYS[1], field, text) end
end
local firstRecent = chunksAt + 2 * chunks + 1
local recentSize = tonumber(ARGV[10])
if recentSize > 0 then
  if moved > 0 then redis.call('RPUSH', KEYS[4], unpack(ARGV, 14, 13 + moved)) end
  if #ARGV >= firstRecent then redis.call('LPUSH', KEYS[4], unpack(ARGV, firstRecent)) end
  if redis.call('EXISTS', KEYS[4]) == 1 then
    redis.call('LTRIM', KEYS[4], 0, recentSize - 1)
    redis.call('EXPIRE', KEYS[4], ARGV[11])
  end
end
redis.call('SPUBLISH', ARGV[4], ARGV[6])
redis.call('PUBLISH', ARGV[5], ARGV[6])
return 1
`;

/**
 * The same step, refused (-1) unless the state marker of the profile's slot (KEYS[8],
 * state-marker-keys.ts) holds the epoch the writer
 * verified (ARGV[9]) and the run_id of the Redis process running the script. A Redis that
 * restarted (empty, or from an RDB/AOF older than our last writes) has another run_id; one
 * that was flushed has no marker; one whose state another processor restored has a new
 * epoch. In each case writing on what is there would build on a profile older than the
 * truth, and the events in between are committed in Kafka: they would be lost for good. So
 * the check is in the write itself, not beside it, and no write slips in before the
 * processor has noticed.
 */
const GUARDED_COMPARE_AND_SET = `
local marker = redis.call('HMGET', KEYS[8], 'epoch', 'runId')
if marker[1] ~= ARGV[9] then return -1 end
if marker[2] ~= string.match(redis.call('INFO', 'server'), 'run_id:(%w+)') then return -1 end
${COMPARE_AND_SET}`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** COMPARE_AND_SET: its seven keys, then its arguments. */
    pulsehubCompareAndSet(...keysAndArgs: string[]): Result<number, Context>;
    /** GUARDED_COMPARE_AND_SET: the same seven keys and the state marker, then the arguments. */
    pulsehubGuardedCompareAndSet(...keysAndArgs: string[]): Result<number, Context>;
  }
}

/**
 * A write found that Redis no longer holds the state the writer verified (restarted, flushed,
 * or restored by another writer): nothing of that write was stored.
 */
export class RedisStateLostError extends Error {
  override readonly name = 'RedisStateLostError';
}

/**
 * What a guarded writer (the processor) verified of the Redis state: the epoch of the state
 * marker (schema/redis-keys.ts). Undefined while unverified: every write is then refused.
 */
export interface VerifiedState {
  epoch: string | undefined;
}

export interface ProfileStoreOptions {
  /** Guards every write with the state marker (GUARDED_COMPARE_AND_SET); the processor's. */
  verified?: VerifiedState;
  /**
   * The recent-activity lists' settings in force, read at every write (applied live); the
   * processor's. Absent: writes keep no list.
   */
  recentActivity?: () => RecentActivitySettings;
  /**
   * The dedupe window's length in force (`limits.messageIdWindow`, applied live): a read keeps
   * the newest this many hashes of the chunks. Absent: every hash the chunks hold.
   */
  messageIdWindow?: () => number;
}

export interface ProfileWrite {
  id: string;
  expectedVersion: number;
  nextVersion: number;
  /** The stored profile as JSON: serialised once by the caller, who sends the same text on. */
  document: string;
  /** The pub/sub announcement of this change. */
  change: ProfileChange;
  /**
   * The profile's deletion fence the events were applied against, as read (readForUpdate);
   * absent or null: none. A write whose fence has changed since is refused as a conflict.
   */
  fence?: string | null;
  /** Identifiers linked and profiles merged in the same step (ADR 0012); absent: none. */
  identity?: IdentityChange;
  /** The chunks of the profile's dedupe window to store (message-id-ring.ts); absent: none. */
  ring?: readonly RingChunk[];
  /**
   * The events this write applies, in the order applied, as activities: pushed to the
   * profile's recent-activity list in the same step. Absent or empty: none.
   */
  recent?: readonly RecentActivity[];
}

/** What a write changes of the identity graph besides its own document. */
export interface IdentityChange {
  /** Profiles merged into this one: each is removed, if still at the version read. */
  absorbed: ReadonlyArray<{ id: string; expectedVersion: number; change: ProfileChange }>;
  /** Identifiers linked for the first time: each must have neither a profile nor an identity. */
  claimed: readonly string[];
  /** Every identifier of the profile except its id: each then resolves to it. */
  identifiers: readonly string[];
}

/**
 * An identifier as read for an update: the canonical profile it resolves to, that profile's
 * stored state, and the identifier's own deletion fence (raw JSON).
 */
export interface ProfileForUpdate {
  /** The profile the identifier resolves to (docs/identity.md): itself unless linked or merged. */
  canonical: string;
  stored: StoredProfile | undefined;
  /** The identifier's deletion fence. */
  fence: string | null;
  /** The canonical profile's deletion fence: `fence` when the identifier is canonical. */
  canonicalFence: string | null;
}

export interface SegmentMembership {
  id: string;
  /** The segments the stored profile is in. */
  segments: readonly string[];
}

export interface ProfileStore {
  /** Reads several profiles in one round trip; missing ones are undefined. */
  readMany(ids: readonly string[]): Promise<Array<StoredProfile | undefined>>;
  /**
   * Resolves several identifiers and reads the profiles they resolve to, with the identifiers'
   * deletion fences: one round trip, and a second for identifiers linked to another profile.
   */
  readForUpdate(ids: readonly string[]): Promise<ProfileForUpdate[]>;
  /** The deletion fences (raw JSON, null: none) of several profiles, in one round trip. */
  readFences(ids: readonly string[]): Promise<Array<string | null>>;
  /**
   * Applies writes atomically per profile; returns the ids whose version had moved on. A
   * guarded store throws RedisStateLostError when Redis lost the verified state.
   */
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

/** The hash fields a read for an update takes: the document, then the window's chunks. */
const DOCUMENT_AND_RING = ['doc', ...RING_FIELDS];

/**
 * A profile from its hash fields as DOCUMENT_AND_RING reads them, its window the newest
 * `window` hashes the chunks hold; undefined: no document.
 */
function storedOf(
  id: string,
  fields: ReadonlyArray<string | null>,
  window: number,
): StoredProfile | undefined {
  const doc = fields[0];
  if (typeof doc !== 'string') return undefined;
  const stored = parseStoredProfile(id, doc);
  const chunks = fields.slice(1);
  // A document from before the chunks holds its window inline (parseStoredProfile keeps it).
  if (chunks.some((chunk) => chunk !== null))
    stored.recentMessageIds = windowOf(chunks, stored.messageIdCount).slice(-window);
  return stored;
}

export function createProfileStore(
  redis: RedisClient,
  layout: RedisLayout,
  options: ProfileStoreOptions = {},
): ProfileStore {
  const { verified } = options;
  const markers = stateMarkerKeys(layout, redis);
  const window = options.messageIdWindow ?? (() => Number.MAX_SAFE_INTEGER);
  const noRecentActivity: RecentActivitySettings = { size: 0, ttlSeconds: 0 };
  const recentSettings = options.recentActivity ?? (() => noRecentActivity);
  const locks = createPersonLocks(redis, layout);
  redis.defineCommand('pulsehubCompareAndSet', { numberOfKeys: 7, lua: COMPARE_AND_SET });
  redis.defineCommand('pulsehubGuardedCompareAndSet', {
    numberOfKeys: 8,
    lua: GUARDED_COMPARE_AND_SET,
  });
  /** The newest `size` activities as the script pushes them; none when the lists are off. */
  const recentArguments = (recent: readonly RecentActivity[] | undefined, size: number) =>
    size === 0 || recent === undefined
      ? []
      : recent.slice(-size).map((activity) => JSON.stringify(activity));
  /** The window chunks as the script reads them: their number, then field and text of each. */
  const ringArguments = (ring: readonly RingChunk[] | undefined) => [
    String(ring?.length ?? 0),
    ...ringFieldPairs(ring ?? []),
  ];
  /** What finishes a merge committed by `write` under `lock` (person-locks.ts). */
  const mergePlanOf = (write: ProfileWrite, lock: string): MergePlan => {
    const change = write.identity;
    const absorbed = change?.absorbed ?? [];
    const claimed = change?.claimed ?? [];
    const locked = new Set([...claimed, ...absorbed.map(({ id }) => id)]);
    return {
      lock,
      survivor: write.id,
      // The others point at the survivor already, or at a profile merged now (locked).
      repoint: (change?.identifiers ?? []).filter((identifier) => !locked.has(identifier)),
      claimed: [...claimed],
      absorbed: absorbed.map(({ id, change: merged }) => ({ id, change: JSON.stringify(merged) })),
    };
  };
  /** A merge's lock, when the write merges a profile or claims an identifier. */
  const lockOf = (write: ProfileWrite): string | undefined =>
    (write.identity?.absorbed.length ?? 0) + (write.identity?.claimed.length ?? 0) > 0
      ? newLock(write.id, 'merge')
      : undefined;
  /** One read of readForUpdate, with the locks held on what it read. */
  async function readForUpdateOnce(ids: readonly string[]): Promise<{
    read: ProfileForUpdate[];
    locked: Array<{ id: string; lock: string }>;
  }> {
    const locked: Array<{ id: string; lock: string }> = [];
    const noteLock = (id: string, lock: string | null) => {
      if (lock !== null) locked.push({ id, lock });
    };
    const read = await Promise.all(
      ids.map(async (id) => {
        const [canonical, fields, fence, lock] = await Promise.all([
          redis.get(layout.identity(id)),
          redis.hmget(layout.profile(id), ...DOCUMENT_AND_RING),
          redis.get(layout.erasureFence(id)),
          redis.get(layout.personLock(id)),
        ]);
        noteLock(id, lock);
        return { canonical: canonical ?? id, fields, fence };
      }),
    );
    // Identifiers linked elsewhere: their own key holds no profile; read the one they name.
    const linked = [
      ...new Set(read.filter((r, i) => r.canonical !== ids[i]).map((r) => r.canonical)),
    ];
    const targets = new Map<string, { fields: Array<string | null>; fence: string | null }>();
    await Promise.all(
      linked.map(async (id) => {
        const [fields, fence, lock] = await Promise.all([
          redis.hmget(layout.profile(id), ...DOCUMENT_AND_RING),
          redis.get(layout.erasureFence(id)),
          redis.get(layout.personLock(id)),
        ]);
        noteLock(id, lock);
        targets.set(id, { fields, fence });
      }),
    );
    return {
      locked,
      read: read.map((own, index) => {
        const target = own.canonical === ids[index] ? own : targets.get(own.canonical);
        return {
          canonical: own.canonical,
          stored:
            target === undefined ? undefined : storedOf(own.canonical, target.fields, window()),
          fence: own.fence,
          canonicalFence: target?.fence ?? null,
        };
      }),
    };
  }

  async function readMany(ids: readonly string[]): Promise<Array<StoredProfile | undefined>> {
    if (ids.length === 0) return [];
    const results = await Promise.all(
      ids.map((id) => redis.hmget(layout.profile(id), ...DOCUMENT_AND_RING)),
    );
    return results.map((fields, index) => storedOf(ids[index] ?? '', fields, window()));
  }

  return {
    readMany,
    async readForUpdate(ids) {
      if (ids.length === 0) return [];
      // A lock (person-locks.ts) means a merge or erasure is changing the identifier: what was
      // read may be gone in a moment, and a write would be refused; so wait, and read again.
      for (;;) {
        const { read, locked } = await readForUpdateOnce(ids);
        if (locked.length === 0) return read;
        await locks.awaitUnlocked(
          locked.map(({ id }) => id),
          locked.map(({ lock }) => lock),
        );
      }
    },
    async readFences(ids) {
      if (ids.length === 0) return [];
      // One GET per fence: each is in its own profile's slot, and on a cluster MGET is one slot.
      return Promise.all(ids.map((id) => redis.get(layout.erasureFence(id))));
    },
    async writeMany(writes) {
      if (writes.length === 0) return [];
      const epoch = verified?.epoch;
      if (verified && epoch === undefined)
        throw new RedisStateLostError('the Redis state is not verified');
      const { size, ttlSeconds } = recentSettings();
      // Step 1 of every merge in the batch (person-locks.ts): its other identifiers, locked.
      const mergeLocks = writes.map(lockOf);
      const held = await Promise.all(
        writes.map((write, index): Promise<MergeLocks | undefined> => {
          const lock = mergeLocks[index];
          const change = write.identity;
          return lock === undefined || change === undefined
            ? Promise.resolve(undefined)
            : locks.lockForMerge(lock, change.absorbed, change.claimed, size);
        }),
      );
      const plans = writes.map((write, index) => {
        const lock = mergeLocks[index];
        return lock === undefined ? undefined : mergePlanOf(write, lock);
      });
      const sent = writes.map((write, index) => {
        if (held[index]?.locked === false) return Promise.resolve(0); // a conflict, re-read
        const { id, expectedVersion, nextVersion, document, change, fence } = write;
        const plan = plans[index];
        const moved = held[index]?.moved.flat() ?? [];
        const keys = [
          layout.profile(id),
          layout.erasureFence(id),
          layout.identity(id),
          layout.recentActivity(id),
          layout.personLock(id),
          layout.mergePlans(id),
          layout.abandonedMerges(id),
        ];
        const args = [
          String(expectedVersion),
          String(nextVersion),
          document,
          layout.profileChannel(id),
          layout.allProfilesChannel,
          JSON.stringify(change),
          fence ?? '',
          plan === undefined ? '' : tokenOf(plan.lock),
          epoch ?? '',
          String(size),
          String(ttlSeconds),
          plan === undefined ? '' : JSON.stringify(plan),
          String(moved.length),
          ...moved,
          ...ringArguments(write.ring),
          ...recentArguments(write.recent, size),
        ];
        return epoch === undefined
          ? redis.pulsehubCompareAndSet(...keys, ...args)
          : redis.pulsehubGuardedCompareAndSet(...keys, markers.of(layout.profile(id)), ...args);
      });
      // Sent together (auto-pipelining: one round trip per node); every reply is awaited.
      const results = await Promise.allSettled(sent);
      // Step 3 of every committed merge; a merge not committed gives its locks back.
      await Promise.all(
        writes.map((_, index) => {
          const plan = plans[index];
          const taken = held[index];
          if (plan === undefined || taken === undefined || !taken.locked) return undefined;
          const outcome = results[index];
          if (outcome?.status === 'rejected')
            // Redis may be gone: the locks then stay, for whoever meets them to settle.
            return locks.settleOwn(plan, taken.held).catch(() => undefined);
          return outcome?.value === 1 ? locks.finish(plan) : locks.release(taken.held, plan.lock);
        }),
      );
      const conflicts: string[] = [];
      let lost = false;
      results.forEach((outcome, index) => {
        if (outcome.status === 'rejected') throw outcome.reason;
        const write = writes[index];
        if (outcome.value === -1) lost = true;
        else if (outcome.value !== 1 && write) conflicts.push(write.id);
      });
      if (lost)
        throw new RedisStateLostError(
          'Redis no longer holds the verified state (restarted, flushed or restored elsewhere)',
        );
      return conflicts;
    },
    async syncSegmentSets(memberships, knownSegments) {
      if (memberships.length === 0) return;
      // The last membership of a profile wins, as it would applied in order; then one SADD and
      // one SREM per segment shard, sent together (auto-pipelining groups them per node).
      const latest = new Map(memberships.map(({ id, segments }) => [id, segments]));
      const additions = new Map<string, string[]>();
      const removals = new Map<string, string[]>();
      for (const [id, segments] of latest)
        for (const segment of new Set([...knownSegments, ...segments])) {
          const sets = segments.includes(segment) ? additions : removals;
          const key = layout.segmentMembersOf(segment, id);
          const ids = sets.get(key);
          if (ids) ids.push(id);
          else sets.set(key, [id]);
        }
      await Promise.all([
        ...[...additions].map(([key, ids]) => redis.sadd(key, ...ids)),
        ...[...removals].map(([key, ids]) => redis.srem(key, ...ids)),
      ]);
    },
  };
}

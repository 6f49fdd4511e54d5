import { randomUUID } from 'node:crypto';
import type { Result } from 'ioredis';
import type { RedisClient } from '../lib/redis.ts';
import type { RedisLayout } from '../schema/redis-keys.ts';

/**
 * Steps that change several identifiers at once (a merge or link, ADR 0012; a person's
 * erasure) span several hash slots, and a Lua step may only name keys of one slot (Redis
 * Cluster; one server runs the same steps). So such a change is a small protocol of one-slot
 * steps (ADR 0015):
 * 1. lock: each other identifier is locked in its own slot, with its preconditions checked in
 *    the same step (a merged profile still at the version read, a claimed identifier still
 *    free). Every profile write checks its own lock and is refused while it is held, so from
 *    here on nobody else changes what was checked.
 * 2. commit: the survivor's write (profile-store.ts) stores the merged profile and, in the same
 *    step, the plan that finishes the merge (`mergePlans`), unless the lock token was given up.
 * 3. finish: the plan's steps, each in its identifier's slot and only while the lock is still
 *    this token's: re-point the identifiers, remove the merged profiles and announce their
 *    change, release the locks; then the plan is removed.
 * A writer that dies midway leaves locks behind. Whoever meets a lock older than
 * LOCK_STALE_MS settles it in the survivor's slot (SETTLE): a committed plan is finished, a
 * merge not committed is given up for good (its commit is refused from then on) and its locks
 * are released. Either way every step is idempotent, so two settlers, or a settler and a slow
 * writer, never apply anything twice.
 */

/** A lock older than this is taken for its writer's: it is settled by whoever meets it. */
export const LOCK_STALE_MS = 5_000;

/** How long a reader waits between looks at a lock held by a live writer. */
const LOCK_POLL_MS = 10;

/** Seconds a merge's plan and a given-up token are kept: far longer than any settle takes. */
export const PLAN_TTL_SECONDS = 7 * 24 * 3_600;

/** What a lock says: whose it is, for which survivor, since when. */
export interface PersonLock {
  token: string;
  /** The profile merged into (a merge), or the person's canonical id (an erasure). */
  target: string;
  /** Date.now() of the writer when it locked. */
  at: number;
  kind: 'merge' | 'erase';
}

export function newLock(target: string, kind: PersonLock['kind']): string {
  return JSON.stringify({ token: randomUUID(), target, at: Date.now(), kind });
}

/** The token of a lock this process made (newLock); '' for an unreadable one. */
export const tokenOf = (lock: string): string => parseLock(lock)?.token ?? '';

export function parseLock(text: string): PersonLock | undefined {
  try {
    const lock = JSON.parse(text) as Partial<PersonLock>;
    if (typeof lock.token !== 'string' || typeof lock.target !== 'string') return undefined;
    if (typeof lock.at !== 'number' || (lock.kind !== 'merge' && lock.kind !== 'erase'))
      return undefined;
    return lock as PersonLock;
  } catch {
    return undefined;
  }
}

/**
 * Locks a profile to be merged away if it is still at the version read and canonical, and
 * answers the newest `size` entries of its recent-activity list (moved to the survivor's).
 * KEYS: profile, identity, lock, recent, merge plans; ARGV: expected version, lock, size.
 */
const LOCK_ABSORBED = `
if redis.call('EXISTS', KEYS[3]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then return { 0 } end
if redis.call('EXISTS', KEYS[5]) == 1 then return { 0 } end
if (redis.call('HGET', KEYS[1], 'version') or '0') ~= ARGV[1] then return { 0 } end
redis.call('SET', KEYS[3], ARGV[2])
local size = tonumber(ARGV[3])
if size == 0 then return { 1 } end
return { 1, unpack(redis.call('LRANGE', KEYS[4], 0, size - 1)) }
`;

/**
 * Locks an identifier to be linked for the first time if it has neither a profile nor an
 * identity. KEYS: profile, identity, lock; ARGV: lock.
 */
const LOCK_CLAIMED = `
for i = 1, 3 do if redis.call('EXISTS', KEYS[i]) == 1 then return 0 end end
redis.call('SET', KEYS[3], ARGV[1])
return 1
`;

/** Releases a lock if it is still this one. KEYS: lock; ARGV: lock. */
const RELEASE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
`;

/**
 * Points an identifier at the survivor, releasing its lock, if the lock is still this merge's.
 * KEYS: identity, lock; ARGV: lock, survivor.
 */
const FINISH_CLAIMED = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('DEL', KEYS[2])
return 1
`;

/**
 * Removes a merged profile and its recent-activity list, points its id at the survivor,
 * announces its change and releases its lock, if the lock is still this merge's.
 * KEYS: profile, identity, lock, recent; ARGV: lock, survivor, its channel, the all-profiles
 * channel, its change (JSON).
 */
const FINISH_ABSORBED = `
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[4])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('DEL', KEYS[3])
redis.call('SPUBLISH', ARGV[3], ARGV[5])
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1
`;

/**
 * In the survivor's slot: the plan of a committed merge, or (not committed) the token given up
 * for good, so that its commit is refused. KEYS: merge plans, abandoned; ARGV: token.
 */
const SETTLE = `
local plan = redis.call('HGET', KEYS[1], ARGV[1])
if plan then return plan end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('EXPIRE', KEYS[2], ${PLAN_TTL_SECONDS})
return false
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    pulsehubLockAbsorbed(
      profile: string,
      identity: string,
      lock: string,
      recent: string,
      plans: string,
      expected: string,
      value: string,
      size: string,
    ): Result<Array<number | string>, Context>;
    pulsehubLockClaimed(
      profile: string,
      identity: string,
      lock: string,
      value: string,
    ): Result<number, Context>;
    pulsehubReleaseLock(lock: string, value: string): Result<number, Context>;
    pulsehubFinishClaimed(
      identity: string,
      lock: string,
      value: string,
      survivor: string,
    ): Result<number, Context>;
    pulsehubFinishAbsorbed(
      profile: string,
      identity: string,
      lock: string,
      recent: string,
      value: string,
      survivor: string,
      channel: string,
      allChannel: string,
      change: string,
    ): Result<number, Context>;
    pulsehubSettleMerge(
      plans: string,
      abandoned: string,
      token: string,
    ): Result<string | null, Context>;
  }
}

/** What finishes a committed merge: stored with the survivor's write, read back by a settler. */
export interface MergePlan {
  lock: string;
  survivor: string;
  /** Identifiers that pointed at a merged profile: they point at the survivor. */
  repoint: string[];
  claimed: string[];
  absorbed: Array<{ id: string; change: string }>;
}

/** The commands on a client (defined once per client; a command lives on the client). */
export function definePersonLocks(redis: RedisClient): void {
  if (typeof (redis as { pulsehubLockAbsorbed?: unknown }).pulsehubLockAbsorbed === 'function')
    return;
  redis.defineCommand('pulsehubLockAbsorbed', { numberOfKeys: 5, lua: LOCK_ABSORBED });
  redis.defineCommand('pulsehubLockClaimed', { numberOfKeys: 3, lua: LOCK_CLAIMED });
  redis.defineCommand('pulsehubReleaseLock', { numberOfKeys: 1, lua: RELEASE });
  redis.defineCommand('pulsehubFinishClaimed', { numberOfKeys: 2, lua: FINISH_CLAIMED });
  redis.defineCommand('pulsehubFinishAbsorbed', { numberOfKeys: 4, lua: FINISH_ABSORBED });
  redis.defineCommand('pulsehubSettleMerge', { numberOfKeys: 2, lua: SETTLE });
}

export interface MergeLocks {
  /** The locks taken, to release on failure. */
  held: string[];
  /** Whether every identifier was locked (its preconditions held). */
  locked: boolean;
  /** Per absorbed profile, in order, the recent activities moved to the survivor. */
  moved: string[][];
}

export function createPersonLocks(redis: RedisClient, layout: RedisLayout) {
  definePersonLocks(redis);

  async function release(ids: readonly string[], lock: string): Promise<void> {
    await Promise.all(ids.map((id) => redis.pulsehubReleaseLock(layout.personLock(id), lock)));
  }

  /** Step 1 of a merge: every absorbed and claimed identifier, together; all or none. */
  async function lockForMerge(
    lock: string,
    absorbed: ReadonlyArray<{ id: string; expectedVersion: number }>,
    claimed: readonly string[],
    recentSize: number,
  ): Promise<MergeLocks> {
    const [absorbing, claiming] = await Promise.all([
      Promise.all(
        absorbed.map(({ id, expectedVersion }) =>
          redis.pulsehubLockAbsorbed(
            layout.profile(id),
            layout.identity(id),
            layout.personLock(id),
            layout.recentActivity(id),
            layout.mergePlans(id),
            String(expectedVersion),
            lock,
            String(recentSize),
          ),
        ),
      ),
      Promise.all(
        claimed.map((id) =>
          redis.pulsehubLockClaimed(
            layout.profile(id),
            layout.identity(id),
            layout.personLock(id),
            lock,
          ),
        ),
      ),
    ]);
    const held = [
      ...absorbed.filter((_, i) => absorbing[i]?.[0] === 1).map(({ id }) => id),
      ...claimed.filter((_, i) => claiming[i] === 1),
    ];
    const locked = held.length === absorbed.length + claimed.length;
    if (!locked) await release(held, lock);
    const moved = absorbing.map((reply) => reply.slice(1).map(String));
    return { held, locked, moved };
  }

  /** Step 3: idempotent, so a settler and the writer may both run it. */
  async function finish(plan: MergePlan): Promise<void> {
    const { lock, survivor } = plan;
    // Pointers first: the merged profiles stay locked until they are all re-pointed.
    await Promise.all(plan.repoint.map((id) => redis.set(layout.identity(id), survivor)));
    await Promise.all(
      plan.claimed.map((id) =>
        redis.pulsehubFinishClaimed(layout.identity(id), layout.personLock(id), lock, survivor),
      ),
    );
    await Promise.all(
      plan.absorbed.map(({ id, change }) =>
        redis.pulsehubFinishAbsorbed(
          layout.profile(id),
          layout.identity(id),
          layout.personLock(id),
          layout.recentActivity(id),
          lock,
          survivor,
          layout.profileChannel(id),
          layout.allProfilesChannel,
          change,
        ),
      ),
    );
    await redis.hdel(layout.mergePlans(survivor), tokenOf(lock));
  }

  /**
   * Decides a merge's lock in the survivor's slot (SETTLE): a committed plan is finished, an
   * uncommitted merge is given up for good and `held` (its locks here) released.
   */
  async function decide(lock: string, survivor: string, held: readonly string[]): Promise<void> {
    const plan = await redis.pulsehubSettleMerge(
      layout.mergePlans(survivor),
      layout.abandonedMerges(survivor),
      tokenOf(lock),
    );
    if (plan === null) await release(held, lock);
    else await finish(JSON.parse(plan) as MergePlan);
  }

  /** A lock met by a reader, left by a writer that is gone: finished or released. */
  async function settle(id: string, text: string): Promise<void> {
    const lock = parseLock(text);
    if (lock === undefined || lock.kind === 'erase') {
      // An erasure is repeated by its caller; an unreadable lock protects nothing.
      await release([id], text);
      return;
    }
    await decide(text, lock.target, [id]);
  }

  /**
   * A writer's own merge whose commit got no answer (a timeout, a lost connection): it may or
   * may not have landed, so it is decided like a stale one.
   */
  const settleOwn = (plan: MergePlan, held: readonly string[]): Promise<void> =>
    decide(plan.lock, plan.survivor, held);

  /**
   * Waits until none of `ids` is locked, settling locks older than LOCK_STALE_MS: a reader
   * calls it before it plans a write, so that its write is not refused by a merge in flight.
   */
  async function awaitUnlocked(ids: readonly string[], locks: ReadonlyArray<string | null>) {
    let pending = ids.flatMap((id, i) => {
      const text = locks[i];
      return typeof text === 'string' ? [{ id, text }] : [];
    });
    while (pending.length > 0) {
      const stale = pending.filter(
        ({ text }) => Date.now() - (parseLock(text)?.at ?? 0) >= LOCK_STALE_MS,
      );
      await Promise.all(stale.map(({ id, text }) => settle(id, text)));
      if (stale.length < pending.length) await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
      const now = await Promise.all(pending.map(({ id }) => redis.get(layout.personLock(id))));
      pending = pending.flatMap(({ id }, i) => {
        const text = now[i];
        return typeof text === 'string' ? [{ id, text }] : [];
      });
    }
  }

  return { lockForMerge, release, finish, settle, settleOwn, awaitUnlocked };
}

export type PersonLocks = ReturnType<typeof createPersonLocks>;

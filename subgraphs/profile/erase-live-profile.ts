import { randomUUID } from 'node:crypto';
import type { Result } from 'ioredis';
import type { RedisClient } from '../../lib/redis.ts';
import { createPersonLocks, definePersonLocks, newLock } from '../../profiles/person-locks.ts';
import { parseFence, type ErasureFence } from '../../profiles/erasure-fence.ts';
import type { RedisLayout } from '../../schema/redis-keys.ts';

/**
 * How long Redis keeps a fence: longer than the events topic keeps records (Kafka's default
 * retention, 7 days), so no erased event can still be delivered once the fence is gone. A
 * deployment that keeps the events topic longer must raise it; PostgreSQL keeps its copy.
 */
export const FENCE_TTL_SECONDS = 30 * 24 * 3_600;

/**
 * A person's erasure spans the hash slots of all its identifiers, so it is one-slot steps under
 * locks (profiles/person-locks.ts, ADR 0015): the canonical profile is locked first, refused
 * ('moved') when it now resolves elsewhere (merged meanwhile) or ('incomplete') when it names
 * an identifier the caller did not pass (linked meanwhile), then every other identifier; a
 * lock held by a merge or another erasure ('busy') gives back what was taken. While locked, no
 * processor write lands on any of them (each checks its lock in its own step), so the
 * identifiers are then erased one by one, the canonical one last: each step sets the fence and
 * unlinks the identifier's profile, identity key and recent-activity list, and releases its
 * lock. Each identifier's fence is raised past what the person applied of that identifier's
 * events (the canonical profile's `watermarks` for its own id, its `identityWatermarks` for
 * the others, and a stray document's own watermarks): an event applied before the deletion
 * read the end offsets is erased with the rest, never half-erased (kept in the archive, gone
 * from Redis).
 * LOCK_PERSON KEYS: canonical profile, identity, lock, merge plans; ARGV: lock, then the
 * identifiers. Returns { 'locked', identityWatermarks JSON or '' } or { refusal }.
 */
const LOCK_PERSON = `
if redis.call('EXISTS', KEYS[2]) == 1 then return { 'moved' } end
if redis.call('EXISTS', KEYS[3]) == 1 or redis.call('EXISTS', KEYS[4]) == 1 then return { 'busy' } end
local canonical = redis.call('HGET', KEYS[1], 'doc')
local person = canonical and cjson.decode(canonical) or nil
if person and type(person.profile) == 'table' then
  local listed = {}
  for i = 2, #ARGV do listed[ARGV[i]] = true end
  for _, list in ipairs({ person.profile.identifiers, person.profile.mergedFrom }) do
    if type(list) == 'table' then
      for _, identifier in ipairs(list) do
        if not listed[identifier] then return { 'incomplete' } end
      end
    end
  end
end
redis.call('SET', KEYS[3], ARGV[1])
local marks = person and type(person.identityWatermarks) == 'table' and cjson.encode(person.identityWatermarks) or ''
return { 'locked', marks }
`;

/** Locks one more identifier of the person. KEYS: lock; ARGV: lock. 1 locked, 0 busy. */
const LOCK_IDENTIFIER = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1
`;

/**
 * Erases one locked identifier. KEYS: profile, fence, identity, recent activity, lock; ARGV:
 * lock, fence id, offsets JSON, TTL seconds, the identifier's watermarks in the canonical
 * profile (JSON, '' for none). Returns { fence, removed } or {} when the lock is no longer ours.
 */
const ERASE_IDENTIFIER = `
if redis.call('GET', KEYS[5]) ~= ARGV[1] then return {} end
local offsets = cjson.decode(ARGV[3])
local function raise(watermarks)
  if type(watermarks) ~= 'table' then return end
  for partition, watermark in pairs(watermarks) do
    local key = tostring(partition)
    local past = tonumber(watermark) + 1
    if offsets[key] == nil or offsets[key] < past then offsets[key] = past end
  end
end
local own = redis.call('HGET', KEYS[1], 'doc')
if own then raise(cjson.decode(own).watermarks) end
if ARGV[5] ~= '' then raise(cjson.decode(ARGV[5])) end
local fence = cjson.encode({ id = ARGV[2], offsets = offsets })
redis.call('SET', KEYS[2], fence, 'EX', ARGV[4])
local removed = redis.call('UNLINK', KEYS[1])
redis.call('UNLINK', KEYS[3], KEYS[4], KEYS[5])
return { fence, removed }
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    pulsehubLockPerson(...keysAndArgs: string[]): Result<string[], Context>;
    pulsehubLockIdentifier(lock: string, value: string): Result<number, Context>;
    pulsehubEraseIdentifier(...keysAndArgs: string[]): Result<Array<string | number>, Context>;
  }
}

/** The clients the scripts are defined on. */
const scripted = new WeakSet<RedisClient>();

/**
 * Defines the scripts on a client. Call it before the client carries traffic: an automatic
 * pipeline already open when a command is defined lacks it ("pipeline[functionName] is not a
 * function").
 */
export function defineLiveErasure(redis: RedisClient): void {
  if (scripted.has(redis)) return;
  definePersonLocks(redis);
  redis.defineCommand('pulsehubLockPerson', { numberOfKeys: 4, lua: LOCK_PERSON });
  redis.defineCommand('pulsehubLockIdentifier', { numberOfKeys: 1, lua: LOCK_IDENTIFIER });
  redis.defineCommand('pulsehubEraseIdentifier', { numberOfKeys: 5, lua: ERASE_IDENTIFIER });
  scripted.add(redis);
}

/** A person's live state erased in Redis: each identifier's fence as stored. */
export interface LiveErasure {
  fences: Map<string, ErasureFence>;
  /** Whether a profile document (of any identifier) was removed. */
  removedLive: boolean;
}

/** Why the step refused: the identifiers passed are no longer the whole person, or busy. */
export type LiveErasureRefusal = 'moved' | 'incomplete' | 'busy';

/**
 * Fences and unlinks every identifier of one person in Redis, `identifiers[0]` its canonical
 * id. `endOffsets` are the events topic's end offsets read just before: every event of the
 * person acknowledged before the deletion is below them. A refusal has changed nothing; after
 * 'busy' it has waited for the locks in the way to go.
 */
export async function eraseLivePerson(
  redis: RedisClient,
  layout: RedisLayout,
  identifiers: readonly string[],
  endOffsets: Readonly<Record<string, number>>,
): Promise<LiveErasure | LiveErasureRefusal> {
  defineLiveErasure(redis);
  const [canonical, ...others] = identifiers;
  if (canonical === undefined) return { fences: new Map(), removedLive: false };
  const locks = createPersonLocks(redis, layout);
  const lock = newLock(canonical, 'erase');
  const [outcome, marks] = await redis.pulsehubLockPerson(
    layout.profile(canonical),
    layout.identity(canonical),
    layout.personLock(canonical),
    layout.mergePlans(canonical),
    lock,
    ...identifiers,
  );
  if (outcome !== 'locked') {
    if (outcome === 'busy') await waitForLocks(redis, layout, [canonical]);
    return outcome === 'moved' || outcome === 'incomplete' ? outcome : 'busy';
  }
  const taken = await Promise.all(
    others.map((id) => redis.pulsehubLockIdentifier(layout.personLock(id), lock)),
  );
  const busy = others.filter((_, index) => taken[index] !== 1);
  if (busy.length > 0) {
    await locks.release([canonical, ...others.filter((_, index) => taken[index] === 1)], lock);
    await waitForLocks(redis, layout, busy);
    return 'busy';
  }
  const identityWatermarks = (marks ? JSON.parse(marks) : {}) as Record<string, unknown>;
  const fenceId = randomUUID();
  const offsets = JSON.stringify(endOffsets); // {} when empty, as Lua's cjson encodes it
  const erase = (id: string) =>
    redis.pulsehubEraseIdentifier(
      layout.profile(id),
      layout.erasureFence(id),
      layout.identity(id),
      layout.recentActivity(id),
      layout.personLock(id),
      lock,
      fenceId,
      offsets,
      String(FENCE_TTL_SECONDS),
      identityWatermarks[id] === undefined ? '' : JSON.stringify(identityWatermarks[id]),
    );
  // The canonical profile last: until then its lock keeps the person whole to every reader.
  const replies = [...(await Promise.all(others.map(erase))), await erase(canonical)];
  const fences = new Map<string, ErasureFence>();
  let removedLive = false;
  [...others, canonical].forEach((id, index) => {
    const [raw, removed] = replies[index] ?? [];
    // Settled by someone else as stale: the caller repeats the deletion (idempotent).
    if (raw === undefined) throw new Error(`the erasure of ${id} lost its lock; repeat it`);
    const fence = parseFence(typeof raw === 'string' ? raw : undefined);
    if (fence === undefined) throw new Error(`Redis stored an unreadable fence: ${String(raw)}`);
    fences.set(id, fence);
    if (removed === 1) removedLive = true;
  });
  // The canonical id first, as the caller passed them.
  return {
    fences: new Map(identifiers.map((id) => [id, fences.get(id) as ErasureFence])),
    removedLive,
  };
}

/** Until the locks on `ids` are gone (settled when stale). */
async function waitForLocks(redis: RedisClient, layout: RedisLayout, ids: readonly string[]) {
  const held = await Promise.all(ids.map((id) => redis.get(layout.personLock(id))));
  await createPersonLocks(redis, layout).awaitUnlocked(ids, held);
}

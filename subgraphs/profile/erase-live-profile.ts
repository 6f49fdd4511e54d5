import { randomUUID } from 'node:crypto';
import type { Redis, Result } from 'ioredis';
import { parseFence, type ErasureFence } from '../../profiles/erasure-fence.ts';
import type { RedisLayout } from '../../schema/redis-keys.ts';

/**
 * How long Redis keeps a fence: longer than the events topic keeps records (Kafka's default
 * retention, 7 days), so no erased event can still be delivered once the fence is gone. A
 * deployment that keeps the events topic longer must raise it; PostgreSQL keeps its copy.
 */
export const FENCE_TTL_SECONDS = 30 * 24 * 3_600;

/**
 * One atomic step for a whole person: for every identifier it sets the fence and unlinks the
 * identifier's profile, identity key and recent-activity list, so no processor write can land between them (each
 * write checks the fence in its own step). Each identifier's fence is raised past what the
 * person applied of that identifier's events (the canonical profile's `watermarks` for its
 * own id, its `identityWatermarks` for the others, and a stray document's own watermarks): an
 * event applied before the deletion read the end offsets is erased with the rest, never
 * half-erased (kept in the archive, gone from Redis). The keys span several hash slots, like
 * the processor's merge step: PulseHub runs one Redis primary, not Cluster.
 * It refuses ('moved') when the canonical id now resolves elsewhere (merged meanwhile) and
 * ('incomplete') when the canonical profile names an identifier the caller did not pass
 * (linked meanwhile): the caller gathers the identifiers again.
 * KEYS per identifier (canonical first): profile, fence, identity, recent activity. ARGV: fence id, offsets
 * JSON, TTL seconds, then the identifiers in the order of KEYS.
 * Returns { 'erased', fence1, removed1, fence2, removed2, ... } or { 'moved' } / { 'incomplete' }.
 */
const ERASE_LIVE_PERSON = `
local count = #ARGV - 3
if redis.call('EXISTS', KEYS[3]) == 1 then return { 'moved' } end
local canonical = redis.call('HGET', KEYS[1], 'doc')
local person = canonical and cjson.decode(canonical) or nil
if person and type(person.profile) == 'table' then
  local listed = {}
  for i = 1, count do listed[ARGV[3 + i]] = true end
  for _, list in ipairs({ person.profile.identifiers, person.profile.mergedFrom }) do
    if type(list) == 'table' then
      for _, identifier in ipairs(list) do
        if not listed[identifier] then return { 'incomplete' } end
      end
    end
  end
end
local function raise(offsets, watermarks)
  if type(watermarks) ~= 'table' then return end
  for partition, watermark in pairs(watermarks) do
    local key = tostring(partition)
    local past = tonumber(watermark) + 1
    if offsets[key] == nil or offsets[key] < past then offsets[key] = past end
  end
end
local result = { 'erased' }
for i = 1, count do
  local identifier = ARGV[3 + i]
  local base = 4 * (i - 1)
  local offsets = cjson.decode(ARGV[2])
  local own = redis.call('HGET', KEYS[base + 1], 'doc')
  if own then raise(offsets, cjson.decode(own).watermarks) end
  if person and type(person.identityWatermarks) == 'table' then
    raise(offsets, person.identityWatermarks[identifier])
  end
  local fence = cjson.encode({ id = ARGV[1], offsets = offsets })
  redis.call('SET', KEYS[base + 2], fence, 'EX', ARGV[3])
  local removed = redis.call('UNLINK', KEYS[base + 1])
  redis.call('UNLINK', KEYS[base + 3])
  redis.call('UNLINK', KEYS[base + 4])
  result[#result + 1] = fence
  result[#result + 1] = removed
end
return result
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    pulsehubEraseLivePerson(
      numberOfKeys: number,
      ...keysAndArgs: Array<string | number>
    ): Result<Array<string | number>, Context>;
  }
}

/** The clients the script is defined on. */
const scripted = new WeakSet<Redis>();

/**
 * Defines the script on a client. Call it before the client carries traffic: an automatic
 * pipeline already open when a command is defined lacks it ("pipeline[functionName] is not a
 * function").
 */
export function defineLiveErasure(redis: Redis): void {
  if (scripted.has(redis)) return;
  redis.defineCommand('pulsehubEraseLivePerson', { lua: ERASE_LIVE_PERSON });
  scripted.add(redis);
}

/** A person's live state erased in Redis: each identifier's fence as stored. */
export interface LiveErasure {
  fences: Map<string, ErasureFence>;
  /** Whether a profile document (of any identifier) was removed. */
  removedLive: boolean;
}

/** Why the step refused: the identifiers passed are no longer the whole person. */
export type LiveErasureRefusal = 'moved' | 'incomplete';

/**
 * Fences and unlinks every identifier of one person in Redis, `identifiers[0]` its canonical
 * id. `endOffsets` are the events topic's end offsets read just before: every event of the
 * person acknowledged before the deletion is below them.
 */
export async function eraseLivePerson(
  redis: Redis,
  layout: RedisLayout,
  identifiers: readonly string[],
  endOffsets: Readonly<Record<string, number>>,
): Promise<LiveErasure | LiveErasureRefusal> {
  defineLiveErasure(redis);
  const keys = identifiers.flatMap((id) => [
    layout.profile(id),
    layout.erasureFence(id),
    layout.identity(id),
    layout.recentActivity(id),
  ]);
  const reply = await redis.pulsehubEraseLivePerson(
    keys.length,
    ...keys,
    randomUUID(),
    // An empty object: Lua's cjson encodes an empty table as {} too.
    JSON.stringify(endOffsets),
    FENCE_TTL_SECONDS,
    ...identifiers,
  );
  const [outcome, ...pairs] = reply;
  if (outcome === 'moved' || outcome === 'incomplete') return outcome;
  const fences = new Map<string, ErasureFence>();
  let removedLive = false;
  identifiers.forEach((id, index) => {
    const raw = pairs[2 * index];
    const fence = parseFence(typeof raw === 'string' ? raw : undefined);
    if (fence === undefined) throw new Error(`Redis stored an unreadable fence: ${String(raw)}`);
    fences.set(id, fence);
    if (pairs[2 * index + 1] === 1) removedLive = true;
  });
  return { fences, removedLive };
}

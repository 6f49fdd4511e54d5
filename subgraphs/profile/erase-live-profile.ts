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
 * One atomic step on the profile's hash slot: sets the fence and unlinks the live profile, so
 * no processor write can land between them (each write checks the fence in its own step). The
 * fence is raised past the watermarks of the profile it erases: an event applied before the
 * deletion read the end offsets is erased with the rest (no event is half-erased: kept in
 * the archive, gone from Redis). KEYS[1] profile, KEYS[2] fence; ARGV: fence id, offsets
 * JSON, TTL seconds. Returns the fence as stored and whether a profile was removed.
 */
const ERASE_LIVE_PROFILE = `
local offsets = cjson.decode(ARGV[2])
local doc = redis.call('HGET', KEYS[1], 'doc')
if doc then
  local stored = cjson.decode(doc)
  if type(stored.watermarks) == 'table' then
    for partition, watermark in pairs(stored.watermarks) do
      local key = tostring(partition)
      local past = tonumber(watermark) + 1
      if offsets[key] == nil or offsets[key] < past then offsets[key] = past end
    end
  end
end
local fence = cjson.encode({ id = ARGV[1], offsets = offsets })
redis.call('SET', KEYS[2], fence, 'EX', ARGV[3])
return { fence, redis.call('UNLINK', KEYS[1]) }
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    pulsehubEraseLiveProfile(
      key: string,
      fenceKey: string,
      fenceId: string,
      offsets: string,
      ttlSeconds: number,
    ): Result<[string, number], Context>;
  }
}

/** The clients the script is defined on. */
const scripted = new WeakSet<Redis>();

export interface LiveErasure {
  fence: ErasureFence;
  removedLive: boolean;
}

/**
 * Fences and unlinks one profile in Redis. `endOffsets` are the events topic's end offsets read
 * just before: every event of the profile acknowledged before the deletion is below them.
 */
export async function eraseLiveProfile(
  redis: Redis,
  layout: RedisLayout,
  id: string,
  endOffsets: Readonly<Record<string, number>>,
): Promise<LiveErasure> {
  if (!scripted.has(redis)) {
    redis.defineCommand('pulsehubEraseLiveProfile', { numberOfKeys: 2, lua: ERASE_LIVE_PROFILE });
    scripted.add(redis);
  }
  const [raw, removed] = await redis.pulsehubEraseLiveProfile(
    layout.profile(id),
    layout.erasureFence(id),
    randomUUID(),
    // An empty object: Lua's cjson encodes an empty table as {} too.
    JSON.stringify(endOffsets),
    FENCE_TTL_SECONDS,
  );
  const fence = parseFence(raw);
  if (fence === undefined) throw new Error(`Redis stored an unreadable fence: ${raw}`);
  return { fence, removedLive: removed === 1 };
}

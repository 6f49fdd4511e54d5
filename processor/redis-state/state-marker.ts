import type { Redis, Result } from 'ioredis';
import type { RedisLayout } from '../../schema/redis-keys.ts';

/**
 * What Redis says about its state, read in one atomic step: the run_id of the Redis process
 * and the state marker (schema/redis-keys.ts), if any.
 */
const READ_STATE = `
local runId = string.match(redis.call('INFO', 'server'), 'run_id:(%w+)')
local marker = redis.call('HMGET', KEYS[1], 'epoch', 'runId')
return { runId, marker[1], marker[2] }
`;

/**
 * Declares the state whole after a restore: unless another processor did so first on this
 * same Redis process (then its epoch is adopted), a new epoch with this run_id. Refused (nil)
 * when Redis is no longer the process the restore started on (it restarted again meanwhile,
 * so what the restore wrote may be gone): the restore must run again.
 * KEYS[1] marker; ARGV: run_id the restore started on, new epoch.
 */
const SETTLE = `
local runId = string.match(redis.call('INFO', 'server'), 'run_id:(%w+)')
if runId ~= ARGV[1] then return nil end
local marker = redis.call('HMGET', KEYS[1], 'epoch', 'runId')
if marker[1] and marker[2] == runId then return { marker[1], 0 } end
redis.call('HSET', KEYS[1], 'epoch', ARGV[2], 'runId', runId)
return { ARGV[2], 1 }
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    pulsehubReadState(markerKey: string): Result<Array<string | null>, Context>;
    pulsehubSettleState(
      markerKey: string,
      runId: string,
      epoch: string,
    ): Result<[string, number] | null, Context>;
  }
}

export interface RedisState {
  /** The Redis process's `run_id` (INFO server): a new one after every restart. */
  runId: string;
  /** The state marker; undefined when Redis has none (empty, flushed, or never verified). */
  marker: { epoch: string; runId: string } | undefined;
}

/** Whether the marker vouches for this Redis process (written since it last started). */
export const markerIsCurrent = (state: RedisState): boolean =>
  state.marker !== undefined && state.marker.runId === state.runId;

function defineOnce(redis: Redis): void {
  if (typeof (redis as { pulsehubReadState?: unknown }).pulsehubReadState === 'function') return;
  redis.defineCommand('pulsehubReadState', { numberOfKeys: 1, lua: READ_STATE });
  redis.defineCommand('pulsehubSettleState', { numberOfKeys: 1, lua: SETTLE });
}

export async function readRedisState(redis: Redis, layout: RedisLayout): Promise<RedisState> {
  defineOnce(redis);
  const [runId, epoch, markerRunId] = await redis.pulsehubReadState(layout.stateMarker);
  if (!runId) throw new Error('Redis INFO server reported no run_id');
  return {
    runId,
    marker: epoch && markerRunId ? { epoch, runId: markerRunId } : undefined,
  };
}

/** See SETTLE: the epoch now in force and whether this call installed it; undefined if refused. */
export async function settleRedisState(
  redis: Redis,
  layout: RedisLayout,
  restoredOnRunId: string,
  newEpoch: string,
): Promise<{ epoch: string; installed: boolean } | undefined> {
  defineOnce(redis);
  const settled = await redis.pulsehubSettleState(layout.stateMarker, restoredOnRunId, newEpoch);
  return settled ? { epoch: settled[0], installed: settled[1] === 1 } : undefined;
}

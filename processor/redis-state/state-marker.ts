import type { Result } from 'ioredis';
import type { RedisClient } from '../../lib/redis.ts';
import type { StateMarkerKeys } from '../../profiles/state-marker-keys.ts';

/**
 * What Redis says about its state at a node's marker keys, read in one atomic step: the run_id
 * of the Redis process and each state marker (schema/redis-keys.ts), if any. The keys are of
 * several slots of one node on a cluster (state-marker-keys.ts `byNode`): a cluster refuses
 * declared keys of several slots, so they are passed as arguments, which the flag lets the
 * script touch while they are on this node. ARGV: the node's marker keys.
 * Returns { runId, epoch1, runId1, epoch2, runId2, … } (false for a missing field).
 */
const READ_STATE = `#!lua flags=allow-cross-slot-keys
local runId = string.match(redis.call('INFO', 'server'), 'run_id:(%w+)')
local reply = { runId }
for i = 1, #ARGV do
  local marker = redis.call('HMGET', ARGV[i], 'epoch', 'runId')
  reply[2 * i] = marker[1]
  reply[2 * i + 1] = marker[2]
end
return reply
`;

/**
 * Declares the state whole after a restore, at the first marker key: unless another processor
 * did so first on this same Redis process (then its epoch is adopted), a new epoch with this
 * run_id. Refused (nil) when Redis is no longer the process the restore started on (it
 * restarted again meanwhile, so what the restore wrote may be gone): the restore must run again.
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

/**
 * Every other marker key of a cluster (one per slot, a node's at a time) takes the epoch the
 * first one settled on, under the run_id of its node; refused (0) when that node is no longer
 * the process the restore started on. Two processors settling at once both adopt the first
 * key's epoch, so the slots never end up with different epochs.
 * ARGV (keys as arguments, as in READ_STATE): the run_id the restore started on there, the
 * epoch, then the node's markers.
 */
const FOLLOW = `#!lua flags=allow-cross-slot-keys
local runId = string.match(redis.call('INFO', 'server'), 'run_id:(%w+)')
if runId ~= ARGV[1] then return 0 end
for i = 3, #ARGV do redis.call('HSET', ARGV[i], 'epoch', ARGV[2], 'runId', runId) end
return 1
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    pulsehubReadState(
      numberOfKeys: 0,
      ...markerKeys: string[]
    ): Result<Array<string | null>, Context>;
    pulsehubSettleState(
      markerKey: string,
      runId: string,
      epoch: string,
    ): Result<[string, number] | null, Context>;
    pulsehubFollowState(
      numberOfKeys: 0,
      runId: string,
      epoch: string,
      ...markerKeys: string[]
    ): Result<number, Context>;
  }
}

/** What one marker key's node said. */
export interface MarkerState {
  /** The `run_id` (INFO server) of the Redis process serving the key: new after every restart. */
  runId: string;
  /** The state marker; undefined when there is none (empty, flushed, or never verified). */
  marker: { epoch: string; runId: string } | undefined;
}

/** The state at every marker key (StateMarkerKeys.all), in that order. */
export interface RedisState {
  readonly markers: readonly MarkerState[];
}

/** Whether every marker vouches for the Redis process serving it (written since it started). */
export const markerIsCurrent = (state: RedisState): boolean =>
  state.markers.every(({ marker, runId }) => marker !== undefined && marker.runId === runId);

/** The epoch every marker holds, if they are all current and agree; undefined otherwise. */
export function currentEpoch(state: RedisState): string | undefined {
  if (!markerIsCurrent(state)) return undefined;
  const epochs = new Set(state.markers.map(({ marker }) => marker?.epoch));
  return epochs.size === 1 ? [...epochs][0] : undefined;
}

/** Why the state is not the verified `epoch`, in words for the log; undefined when it is. */
export function stateLossReason(state: RedisState, epoch: string | undefined): string | undefined {
  const missing = state.markers.filter(({ marker }) => marker === undefined).length;
  if (missing > 0)
    return state.markers.length === 1
      ? 'no state marker: Redis is empty or was flushed'
      : `no state marker in ${missing} of ${state.markers.length} slots: their node is empty or was flushed`;
  const restarted = state.markers.find(({ marker, runId }) => marker?.runId !== runId);
  if (restarted)
    return `the state marker was written under run_id ${restarted.marker?.runId}, Redis now runs as ${restarted.runId}: it restarted`;
  if (currentEpoch(state) !== epoch) return 'another processor restored the state';
  return undefined;
}

function defineOnce(redis: RedisClient): void {
  if (typeof (redis as { pulsehubReadState?: unknown }).pulsehubReadState === 'function') return;
  redis.defineCommand('pulsehubReadState', { lua: READ_STATE });
  redis.defineCommand('pulsehubSettleState', { numberOfKeys: 1, lua: SETTLE });
  redis.defineCommand('pulsehubFollowState', { lua: FOLLOW });
}

/** Reads every marker key: one step per node, sent together. */
export async function readRedisState(
  redis: RedisClient,
  keys: StateMarkerKeys,
): Promise<RedisState> {
  defineOnce(redis);
  const groups = keys.byNode();
  const replies = await Promise.all(
    groups.map(({ node, keys: group }) => {
      defineOnce(node);
      return node.pulsehubReadState(0, ...group);
    }),
  );
  const byKey = new Map<string, MarkerState>();
  groups.forEach(({ keys: group }, index) => {
    const [runId, ...fields] = replies[index] ?? [];
    if (!runId) throw new Error('Redis INFO server reported no run_id');
    group.forEach((key, i) => {
      const epoch = fields[2 * i];
      const markerRunId = fields[2 * i + 1];
      byKey.set(key, {
        runId,
        marker: epoch && markerRunId ? { epoch, runId: markerRunId } : undefined,
      });
    });
  });
  return { markers: keys.all.map((key) => byKey.get(key) ?? { runId: '', marker: undefined }) };
}

/**
 * See SETTLE and FOLLOW: the epoch now in force and whether this call installed it; undefined
 * if refused (a node restarted since `restoredOn` was read).
 */
export async function settleRedisState(
  redis: RedisClient,
  keys: StateMarkerKeys,
  restoredOn: RedisState,
  newEpoch: string,
): Promise<{ epoch: string; installed: boolean } | undefined> {
  defineOnce(redis);
  const [first] = keys.all;
  if (first === undefined) return undefined;
  const runIdOf = new Map(keys.all.map((key, index) => [key, restoredOn.markers[index]?.runId]));
  const settled = await redis.pulsehubSettleState(first, runIdOf.get(first) ?? '', newEpoch);
  if (!settled) return undefined;
  const [epoch, installed] = settled;
  const others = keys
    .byNode()
    .map(({ node, keys: group }) => ({ node, group: group.filter((key) => key !== first) }))
    .filter(({ group }) => group.length > 0);
  const followed = await Promise.all(
    others.map(({ node, group }) => {
      defineOnce(node);
      const runId = runIdOf.get(group[0] ?? '') ?? '';
      return node.pulsehubFollowState(0, runId, epoch, ...group);
    }),
  );
  if (followed.some((ok) => ok !== 1)) return undefined;
  return { epoch, installed: installed === 1 };
}

import calculateSlot from 'cluster-key-slot';
import { Cluster } from 'ioredis';
import type { RedisClient } from '../lib/redis.ts';
import type { RedisLayout } from '../schema/redis-keys.ts';

/** Hash slots of a Redis Cluster. */
const CLUSTER_SLOTS = 16_384;

/**
 * Where the state marker (schema/redis-keys.ts `stateMarker`) lives for each profile. A guarded
 * write checks the marker in its own Lua step, and a step may only name keys of one hash slot:
 * so on a Redis Cluster there is one marker per slot (`state-marker:{<tag>}`, the tag a short
 * string hashing to that slot), and a profile's write checks the marker of its own slot. A slot
 * whose node restarted, failed over or was flushed loses or outdates its marker, which is how
 * the processor finds out (processor/redis-state/). On one server the one key serves every
 * profile, as the script may name any key there.
 */
export interface StateMarkerKeys {
  /** Every marker key: the state is whole when each of them vouches for it. */
  readonly all: readonly string[];
  /** The marker a write of this profile key checks: in the same slot. */
  of(profileKey: string): string;
  /**
   * Every marker key, grouped by the node serving it as the client knows the slot map now,
   * with that node's own connection: a step over one group names keys of several slots of one
   * node (a script flagged `allow-cross-slot-keys`, sent to the node itself, past the
   * cluster's per-slot routing), so the processor reads 16,384 markers in a step per node.
   */
  byNode(): Array<{ node: RedisClient; keys: string[] }>;
}

let slotTags: readonly string[] | undefined;

/** For each slot, the shortest decimal string that hashes to it (computed once, a few ms). */
function tagsBySlot(): readonly string[] {
  if (slotTags) return slotTags;
  const tags = new Array<string | undefined>(CLUSTER_SLOTS);
  let found = 0;
  for (let n = 0; found < CLUSTER_SLOTS; n++) {
    const slot = calculateSlot(String(n));
    if (tags[slot] === undefined) {
      tags[slot] = String(n);
      found++;
    }
  }
  slotTags = tags as string[];
  return slotTags;
}

export function stateMarkerKeys(layout: RedisLayout, redis: RedisClient): StateMarkerKeys {
  if (!(redis instanceof Cluster))
    return {
      all: [layout.stateMarker],
      of: () => layout.stateMarker,
      byNode: () => [{ node: redis, keys: [layout.stateMarker] }],
    };
  const all = tagsBySlot().map((tag) => `${layout.stateMarker}:{${tag}}`);
  return {
    all,
    of: (profileKey) => all[calculateSlot(profileKey)] ?? layout.stateMarker,
    byNode() {
      const nodes = new Map(
        redis.nodes('master').map((node) => [`${node.options.host}:${node.options.port}`, node]),
      );
      const groups = new Map<string, string[]>();
      all.forEach((key, slot) => {
        const node = redis.slots[slot]?.[0] ?? '';
        const group = groups.get(node);
        if (group) group.push(key);
        else groups.set(node, [key]);
      });
      return [...groups].map(([address, keys]) => {
        const node = nodes.get(address);
        if (node === undefined) throw new Error(`no connection to ${address}, which serves slots`);
        return { node, keys };
      });
    },
  };
}

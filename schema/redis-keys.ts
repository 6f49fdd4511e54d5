/**
 * The Redis key and channel layout. Profile keys carry the id as a hash tag (`{id}`) so every
 * key of one profile lands in the same slot and the layout works unchanged on Redis Cluster.
 * `prefix` namespaces a deployment (or a test) inside a shared Redis.
 */
export interface RedisLayout {
  /** JSON document of one profile, including its applied-offset watermark. */
  profile(id: string): string;
  /**
   * One shard of a segment's members: the set of the profile ids of that segment whose
   * `segmentShardOf(id)` is `shard` (0 to SEGMENT_SHARDS - 1). Each shard is its own hash slot
   * (`{segment#shard}`), so on Redis Cluster a large segment is spread over the nodes instead of
   * being one hot key; a segment's members are the union of its shards.
   */
  segmentMembers(segment: string, shard: number): string;
  /** The shard of `segment` that holds (or would hold) profile `id`. */
  segmentMembersOf(segment: string, id: string): string;
  /** Every shard of `segment`, shard 0 first. */
  segmentMemberShards(segment: string): string[];
  /** SCAN pattern matching every segment set (every shard) of this deployment. */
  readonly segmentMembersPattern: string;
  /**
   * Shard channel (SPUBLISH/SSUBSCRIBE) announcing changes of one profile. It carries the
   * profile's hash tag, so the processor's Lua step announces it from the node that holds the
   * profile, and on Redis Cluster only that node's shard carries its messages. On one server
   * shard channels work the same, so one code path serves both.
   */
  profileChannel(id: string): string;
  /**
   * Pub/sub channel announcing every profile change (dashboards, segment feeds). This one and
   * the two below are classic channels (PUBLISH/SUBSCRIBE): each of their subscribers wants
   * every message, whichever node published it. On Redis Cluster a classic PUBLISH is forwarded
   * to every node, so one subscription on any node hears them all; as a shard channel every
   * such message would have to reach the one node owning the channel's slot.
   */
  readonly allProfilesChannel: string;
  /** Pub/sub channel on which configuration changes are broadcast (classic). */
  readonly configChannel: string;
  /**
   * Pub/sub channel on which every service instance announces itself (lib/heartbeat.ts;
   * classic).
   */
  readonly heartbeatChannel: string;
  /**
   * Hash `{ epoch, runId }` that says the profiles in this Redis are whole: written by the
   * processor once it has checked (or restored, from profile-changelog) the state, and checked
   * by every profile write in the same Lua step. Missing, or naming another Redis process's
   * run_id, means Redis lost data (see processor/redis-state/). On Redis Cluster it is the
   * prefix of one marker per hash slot (`<stateMarker>:{<tag>}`, profiles/state-marker-keys.ts),
   * so that a write checks the marker of its own slot.
   */
  readonly stateMarker: string;
  /**
   * The deletion fence of an erased profile (subgraphs/profile/delete-profile.ts): JSON
   * `{ id, offsets: { <partition>: <first offset kept> } }`. Events of the profile below the
   * fence are erased; the profile's writes check it in the same Lua step (same hash slot).
   */
  erasureFence(id: string): string;
  /**
   * The canonical profile id an identifier resolves to (docs/identity.md), as a plain string;
   * present only for an identifier linked to or merged into another profile. Absent, the
   * identifier is its own profile's id (that profile may not exist yet). Written by the
   * processor when it finishes a merge or link, under the identifier's lock (ADR 0012, ADR
   * 0015).
   */
  identity(id: string): string;
  /**
   * A list of the profile's most recently applied events, newest pushed first, each as the
   * JSON of an Activity (profiles/recent-activity.ts): the processor pushes and trims it in
   * the same Lua step as the profile, with a TTL; the Activity subgraph merges it into the
   * archive's pages so that an event is listed from the moment its change is announced.
   */
  recentActivity(id: string): string;
  /**
   * The lock on an identifier while a step that spans several hash slots changes it (a merge
   * or link, ADR 0012; a person's erasure): JSON `{ token, target, at, kind }`
   * (profiles/person-locks.ts). Every profile write checks its own profile's lock in its Lua
   * step (same slot) and is refused while it is held.
   */
  personLock(id: string): string;
  /**
   * Hash of the merges committed into this profile whose other slots are not finished yet:
   * lock token -> the plan that finishes them (profiles/person-locks.ts). While it is not
   * empty the profile cannot itself be locked (merged away or erased).
   */
  mergePlans(id: string): string;
  /** Set of the lock tokens of merges into this profile that were given up (never commit). */
  abandonedMerges(id: string): string;
}

/**
 * How many shards each segment's member set is split into. Part of the layout: a profile's
 * shard is `segmentShardOf(id) = hash(id) mod SEGMENT_SHARDS`, so changing the count moves
 * members between shards, and the sets must be rebuilt from the profiles (the processor's
 * restore from profile-changelog, processor/redis-state/, rebuilds them with every profile).
 */
export const SEGMENT_SHARDS = 16;

/**
 * The segment shard of a profile id: 32-bit FNV-1a of its UTF-8 bytes, modulo SEGMENT_SHARDS.
 * Stable across processes, versions and platforms (it decides where a member is stored).
 */
export function segmentShardOf(id: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(id)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % SEGMENT_SHARDS;
}

export function redisLayout(prefix = ''): RedisLayout {
  const segmentMembers = (segment: string, shard: number) =>
    `${prefix}segment:{${segment}#${shard}}:members`;
  return {
    profile: (id) => `${prefix}profile:{${id}}`,
    segmentMembers,
    segmentMembersOf: (segment, id) => segmentMembers(segment, segmentShardOf(id)),
    segmentMemberShards: (segment) =>
      Array.from({ length: SEGMENT_SHARDS }, (_, shard) => segmentMembers(segment, shard)),
    segmentMembersPattern: `${prefix}segment:{*}:members`,
    profileChannel: (id) => `${prefix}profile-updated:{${id}}`,
    allProfilesChannel: `${prefix}profiles-updated`,
    configChannel: `${prefix}config-changed`,
    heartbeatChannel: `${prefix}heartbeats`,
    stateMarker: `${prefix}state-marker`,
    erasureFence: (id) => `${prefix}erased:{${id}}`,
    identity: (id) => `${prefix}identity:{${id}}`,
    recentActivity: (id) => `${prefix}recent:{${id}}`,
    personLock: (id) => `${prefix}lock:{${id}}`,
    mergePlans: (id) => `${prefix}merge-plans:{${id}}`,
    abandonedMerges: (id) => `${prefix}merge-abandoned:{${id}}`,
  };
}

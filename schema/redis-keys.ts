/**
 * The Redis key and channel layout. Profile keys carry the id as a hash tag (`{id}`) so every
 * key of one profile lands in the same slot and the layout works unchanged on Redis Cluster.
 * `prefix` namespaces a deployment (or a test) inside a shared Redis.
 */
export interface RedisLayout {
  /** JSON document of one profile, including its applied-offset watermark. */
  profile(id: string): string;
  /** Set of profile ids in a segment. */
  segmentMembers(segment: string): string;
  /** SCAN pattern matching every segment set of this deployment. */
  readonly segmentMembersPattern: string;
  /** Pub/sub channel announcing changes of one profile. */
  profileChannel(id: string): string;
  /** Pub/sub channel announcing every profile change (dashboards, segment feeds). */
  readonly allProfilesChannel: string;
  /** Pub/sub channel on which configuration changes are broadcast. */
  readonly configChannel: string;
  /** Pub/sub channel on which every service instance announces itself (lib/heartbeat.ts). */
  readonly heartbeatChannel: string;
  /**
   * Hash `{ epoch, runId }` that says the profiles in this Redis are whole: written by the
   * processor once it has checked (or restored, from profile-changelog) the state, and checked
   * by every profile write in the same Lua step. Missing, or naming another Redis process's
   * run_id, means Redis lost data (see processor/redis-state/). The one key outside a profile's
   * hash slot, so a profile write names two slots: PulseHub runs one Redis primary, not Cluster.
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
   * processor in the same Lua step as the profile it points at (ADR 0012).
   */
  identity(id: string): string;
  /**
   * A list of the profile's most recently applied events, newest pushed first, each as the
   * JSON of an Activity (profiles/recent-activity.ts): the processor pushes and trims it in
   * the same Lua step as the profile, with a TTL; the Activity subgraph merges it into the
   * archive's pages so that an event is listed from the moment its change is announced.
   */
  recentActivity(id: string): string;
}

export function redisLayout(prefix = ''): RedisLayout {
  return {
    profile: (id) => `${prefix}profile:{${id}}`,
    segmentMembers: (segment) => `${prefix}segment:{${segment}}:members`,
    segmentMembersPattern: `${prefix}segment:{*}:members`,
    profileChannel: (id) => `${prefix}profile-updated:${id}`,
    allProfilesChannel: `${prefix}profiles-updated`,
    configChannel: `${prefix}config-changed`,
    heartbeatChannel: `${prefix}heartbeats`,
    stateMarker: `${prefix}state-marker`,
    erasureFence: (id) => `${prefix}erased:{${id}}`,
    identity: (id) => `${prefix}identity:{${id}}`,
    recentActivity: (id) => `${prefix}recent:{${id}}`,
  };
}

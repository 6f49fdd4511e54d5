interface Update {
  sentAtMs: number;
  measured: boolean;
  /** Subscribers of the profile that have seen this update so far. */
  seenBy: number;
}

interface ProfileDeliveries {
  /** The profile's eventCount after each update still on its way, by that count. */
  updates: Map<number, Update>;
  /** The highest eventCount each subscriber of the profile has seen. */
  lastSeen: number[];
}

/**
 * Matches updates sent to profiles with the subscription messages that show them. An update
 * is "the event that made the profile's eventCount reach n"; a message showing count m
 * delivers every update up to m to that subscriber, so coalesced messages count for every
 * update they carry. An update's latency runs from its send to the moment its LAST
 * subscriber saw it.
 */
export class DeliveryTracker {
  private readonly profiles = new Map<string, ProfileDeliveries>();
  private readonly latencyMs: number[] = [];
  private measuredPending = 0;

  constructor(private readonly subscribersPerProfile: number) {}

  private profile(id: string): ProfileDeliveries {
    let state = this.profiles.get(id);
    if (state === undefined) {
      state = {
        updates: new Map(),
        lastSeen: new Array<number>(this.subscribersPerProfile).fill(0),
      };
      this.profiles.set(id, state);
    }
    return state;
  }

  /** An event was sent that will make `profile`'s eventCount `count`; only `measured` ones count. */
  sent(profile: string, count: number, atMs: number, measured: boolean): void {
    const state = this.profile(profile);
    const seenBy = state.lastSeen.filter((seen) => seen >= count).length;
    if (seenBy === this.subscribersPerProfile) return;
    state.updates.set(count, { sentAtMs: atMs, measured, seenBy });
    if (measured) this.measuredPending++;
  }

  /** Subscriber `slot` (0-based) of `profile` received a message showing `eventCount`. */
  received(profile: string, slot: number, eventCount: number, atMs: number): void {
    const state = this.profile(profile);
    const before = state.lastSeen[slot] ?? 0;
    if (eventCount <= before) return;
    state.lastSeen[slot] = eventCount;
    for (const [count, update] of state.updates) {
      if (count <= before || count > eventCount) continue;
      update.seenBy++;
      if (update.seenBy < this.subscribersPerProfile) continue;
      state.updates.delete(count);
      if (update.measured) {
        this.latencyMs.push(atMs - update.sentAtMs);
        this.measuredPending--;
      }
    }
  }

  /** Latencies of the measured updates every subscriber has seen, ms. */
  latencies(): number[] {
    return this.latencyMs;
  }

  /** Measured updates some subscriber has not seen yet. */
  pending(): number {
    return this.measuredPending;
  }

  /** Updates of any kind some subscriber has not seen yet (to wait for a warm-up). */
  undelivered(): number {
    let count = 0;
    for (const state of this.profiles.values()) count += state.updates.size;
    return count;
  }
}

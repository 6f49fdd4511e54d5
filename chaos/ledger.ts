// Ground truth of a chaos run: the events ingest answered 200, and what each profile must count.

/** The counters of a profile that the acknowledged events decide (track events only). */
export interface AckedCounters {
  eventCount: number;
  eventCounts: Record<string, number>;
}

export interface AckedEvent {
  userId: string;
  event: string;
}

export class AckLedger {
  /** messageId → the event, for every event of a request answered 200. */
  readonly acknowledged = new Map<string, AckedEvent>();
  /** Events 200'd only after an earlier attempt with the same messageIds was answered otherwise. */
  retriedThenAcked = 0;

  record(messageId: string, event: AckedEvent, retried: boolean): void {
    // A messageId is acknowledged once: a later duplicate 200 would be a generator bug.
    if (this.acknowledged.has(messageId)) throw new Error(`${messageId} acknowledged twice`);
    this.acknowledged.set(messageId, event);
    if (retried) this.retriedThenAcked += 1;
  }

  /** What every profile must count: one per acknowledged event, per event name too. */
  expectedCounters(): Map<string, AckedCounters> {
    const expected = new Map<string, AckedCounters>();
    for (const { userId, event } of this.acknowledged.values()) {
      let counters = expected.get(userId);
      if (counters === undefined)
        expected.set(userId, (counters = { eventCount: 0, eventCounts: {} }));
      counters.eventCount += 1;
      counters.eventCounts[event] = (counters.eventCounts[event] ?? 0) + 1;
    }
    return expected;
  }
}

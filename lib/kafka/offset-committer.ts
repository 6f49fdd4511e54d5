/** The next offset to read of one partition: Kafka's committed offset. */
export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: string;
}

/** Partitions a member holds, by topic, as a group join hands them out. */
export type Assignment = Readonly<Record<string, readonly number[]>>;

export interface OffsetCommitter {
  /**
   * Everything of the partition before `next` reached the sink: commit it. Returns at once;
   * the commit goes out with the next request.
   */
  advance(topic: string, partition: number, next: string): void;
  /** After a rebalance: offsets of partitions that moved to another member are never sent. */
  retain(assignment: Assignment): void;
  /** Sends what is waiting and resolves when nothing is in flight any more. */
  flush(): Promise<void>;
}

const keyOf = (topic: string, partition: number) => `${partition}:${topic}`;

/**
 * Offset commits off a consumer's hot path. A batch hands its offset over and moves on; one
 * commit request is in flight at a time and carries the newest offset of every partition
 * advanced meanwhile. So a batch no longer waits a coordinator round trip, and at light load
 * the partitions' batches of one fetch share a request instead of one each.
 *
 * At-least-once delivery holds: an offset is advanced only after the sink acknowledged, so a
 * crash loses at most the commits still waiting, and their events are redelivered, which the
 * sinks make harmless. A failed commit is reported and its offsets wait for the next advance or
 * flush, unless a newer offset or a rebalance replaced them.
 */
export function createOffsetCommitter(
  commit: (offsets: PartitionOffset[]) => Promise<void>,
  onError: (error: unknown, offsets: readonly PartitionOffset[]) => void,
): OffsetCommitter {
  const waiting = new Map<string, PartitionOffset>();
  let assignment: Assignment | undefined;
  let inFlight: Promise<void> | undefined;

  const isAssigned = (topic: string, partition: number) =>
    assignment === undefined || (assignment[topic]?.includes(partition) ?? false);

  function send(): void {
    if (inFlight !== undefined || waiting.size === 0) return;
    const offsets = [...waiting.values()];
    waiting.clear();
    inFlight = commit(offsets).then(
      () => {
        inFlight = undefined;
        send();
      },
      (error: unknown) => {
        inFlight = undefined;
        for (const offset of offsets) {
          const key = keyOf(offset.topic, offset.partition);
          if (!waiting.has(key) && isAssigned(offset.topic, offset.partition))
            waiting.set(key, offset);
        }
        onError(error, offsets);
      },
    );
  }

  return {
    advance(topic, partition, next) {
      if (!isAssigned(topic, partition)) return;
      waiting.set(keyOf(topic, partition), { topic, partition, offset: next });
      send();
    },
    retain(next) {
      assignment = next;
      for (const [key, offset] of waiting)
        if (!isAssigned(offset.topic, offset.partition)) waiting.delete(key);
    },
    async flush() {
      // One pass for the request in flight, one for what waited behind it (or after a failure).
      for (let pass = 0; pass < 2; pass++) {
        if (inFlight === undefined) send();
        if (inFlight === undefined) return;
        await inFlight;
      }
    },
  };
}

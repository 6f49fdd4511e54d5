import type { Admin } from 'kafkajs';

export interface PartitionEnd {
  partition: number;
  /** The high watermark: the offset the next message will get. */
  high: string;
  /** The low watermark: the oldest offset still in the log. */
  low: string;
}

/** Messages a topic has ever held: the sum of its partitions' end offsets. */
export function totalOf(ends: readonly PartitionEnd[]): number {
  return ends.reduce((sum, end) => sum + Number(end.high), 0);
}

/**
 * Messages not yet committed by a group, summed over partitions. A partition the group never
 * committed (offset -1) counts whatever the log still holds: a new group starts at the oldest.
 */
export function lagOf(
  ends: readonly PartitionEnd[],
  committed: ReadonlyArray<{ partition: number; offset: string }>,
): number {
  const byPartition = new Map(committed.map((c) => [c.partition, Number(c.offset)]));
  let lag = 0;
  for (const end of ends) {
    const high = Number(end.high);
    const offset = byPartition.get(end.partition) ?? -1;
    const from = offset >= 0 ? offset : Number(end.low);
    lag += Math.max(0, high - from);
  }
  return lag;
}

/** The admin calls the status is made of. */
export interface TopicOffsets {
  ends(topic: string): Promise<PartitionEnd[]>;
  committed(groupId: string, topic: string): Promise<Array<{ partition: number; offset: string }>>;
}

export function topicOffsets(admin: Admin): TopicOffsets {
  return {
    ends: async (topic) =>
      (await admin.fetchTopicOffsets(topic)).map(({ partition, high, low }) => ({
        partition,
        high,
        low,
      })),
    committed: async (groupId, topic) => {
      const answer = await admin.fetchOffsets({ groupId, topics: [topic] });
      return answer.find((t) => t.topic === topic)?.partitions ?? [];
    },
  };
}

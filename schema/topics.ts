import type { ITopicConfig } from 'kafkajs';

/** The Kafka topics PulseHub owns. Names are configurable so tests and tenants stay apart. */
export interface TopicNames {
  /** Raw Segment events, keyed by profile id so a profile's events stay in order. */
  events: string;
  /** Poison and invalid events with the reason and their source partition/offset. */
  deadLetter: string;
  /** Full profile snapshots, compacted: the latest snapshot per profile id survives. */
  changelog: string;
}

/** A topic as it is created (lib/kafka/topics.ts ensureTopics sizes its replication). */
export type TopicSpec = Pick<ITopicConfig, 'topic' | 'numPartitions' | 'configEntries'>;

/** Topic specifications; topics are created explicitly, never auto-created by the broker. */
export function topicSpecs(names: TopicNames, partitions: number): TopicSpec[] {
  return [
    { topic: names.events, numPartitions: partitions },
    { topic: names.deadLetter, numPartitions: 1 },
    {
      topic: names.changelog,
      numPartitions: partitions,
      configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
    },
  ];
}

/**
 * A namespace's own topics inside a shared broker (a test file, a benchmark scenario): the
 * configured names with `.{suffix}` appended, so they still say which topic they stand for.
 */
export function suffixedTopicNames(names: TopicNames, suffix: string): TopicNames {
  return {
    events: `${names.events}.${suffix}`,
    deadLetter: `${names.deadLetter}.${suffix}`,
    changelog: `${names.changelog}.${suffix}`,
  };
}

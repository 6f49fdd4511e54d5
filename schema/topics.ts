import type { TopicSpec } from '../lib/kafka/topics.ts';

/** The Kafka topics PulseHub owns. Names are configurable so tests and tenants stay apart. */
export interface TopicNames {
  /** Raw Segment events, keyed by profile id so a profile's events stay in order. */
  events: string;
  /** Poison and invalid events with the reason and their source partition/offset. */
  deadLetter: string;
  /** Full profile snapshots, compacted: the latest snapshot per profile id survives. */
  changelog: string;
}

export const DEFAULT_TOPIC_NAMES: TopicNames = {
  events: 'user-activity-events',
  deadLetter: 'user-activity-events.dlq',
  changelog: 'profile-changelog',
};

export const DEFAULT_PARTITIONS = 6;

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

export function defaultTopics(): TopicSpec[] {
  return topicSpecs(DEFAULT_TOPIC_NAMES, DEFAULT_PARTITIONS);
}

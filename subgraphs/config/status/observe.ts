import { withDeadline } from '../../../lib/deadline.ts';
import type { DeadLetterTail } from './dead-letter-tail.ts';
import type { InstanceRegistry } from './instance-registry.ts';
import type { ConsumerGroupLag, DependencyStatus, SystemStatus } from './model.ts';
import { lagOf, totalOf, type TopicOffsets } from './offsets.ts';
import { perSecond, type CountAt } from './throughput.ts';

/**
 * How long an observation waits for Kafka's admin answers before it reports Kafka unreachable
 * (kafkajs itself retries for much longer): a status shows a broker outage, never waits it out.
 */
export const KAFKA_ANSWER_TIMEOUT_MS = 2_000; // 2 seconds

export type WatchedGroup = Omit<ConsumerGroupLag, 'lag'>;

export interface ObserverParts {
  /** Kafka's admin calls; rejects when Kafka does not answer. */
  offsets(): Promise<TopicOffsets>;
  topics: { events: string; deadLetter: string };
  /** The processor's and archiver's consumer groups and the topics they read. */
  groups(): Promise<WatchedGroup[]>;
  deadLetters: DeadLetterTail;
  registry: InstanceRegistry;
  /** Every PulseHub service (subgraphs/config/registry.ts). */
  serviceNames: readonly string[];
  redisAnswers(): Promise<boolean>;
  now?: () => number;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

interface KafkaFigures {
  eventsTotal: number;
  deadLettersTotal: number;
  consumers: ConsumerGroupLag[];
}

async function kafkaFigures(parts: ObserverParts): Promise<KafkaFigures> {
  const offsets = await parts.offsets();
  const groups = await parts.groups();
  const topics = [
    ...new Set([parts.topics.events, parts.topics.deadLetter, ...groups.map((g) => g.topic)]),
  ];
  const ends = new Map(
    await Promise.all(topics.map(async (topic) => [topic, await offsets.ends(topic)] as const)),
  );
  const consumers = await Promise.all(
    groups.map(async (group) => ({
      ...group,
      lag: lagOf(ends.get(group.topic) ?? [], await offsets.committed(group.group, group.topic)),
    })),
  );
  return {
    eventsTotal: totalOf(ends.get(parts.topics.events) ?? []),
    deadLettersTotal: totalOf(ends.get(parts.topics.deadLetter) ?? []),
    consumers,
  };
}

/**
 * Observes the system once: Kafka offsets (throughput, lag, dead letters), the instances heard
 * on the heartbeat channel, and whether Kafka and Redis answer. A part that fails is reported
 * as an unreachable dependency with zeros and empty lists, never as a failed observation.
 */
export function createObserver(parts: ObserverParts): () => Promise<SystemStatus> {
  const now = parts.now ?? Date.now;
  let previousEvents: CountAt | undefined;

  return async () => {
    const [kafka, redisUp] = await Promise.all([
      withDeadline(kafkaFigures(parts), KAFKA_ANSWER_TIMEOUT_MS, 'Kafka').then(
        (figures) => ({ figures, error: null }),
        (error: unknown) => ({ figures: undefined, error: messageOf(error) }),
      ),
      parts.redisAnswers().catch(() => false),
    ]);
    const atMs = now();
    let rate = 0;
    if (kafka.figures) {
      const events = { total: kafka.figures.eventsTotal, atMs };
      rate = perSecond(previousEvents, events);
      previousEvents = events;
    }
    const dependencies: DependencyStatus[] = [
      { name: 'kafka', reachable: kafka.error === null, error: kafka.error },
      {
        name: 'redis',
        reachable: redisUp,
        error: redisUp ? null : 'no answer to PING (heartbeats and services are not heard)',
      },
    ];
    return {
      observedAt: new Date(atMs),
      events: { total: kafka.figures?.eventsTotal ?? 0, perSecond: rate },
      consumers: kafka.figures?.consumers ?? [],
      deadLetters: {
        total: kafka.figures?.deadLettersTotal ?? 0,
        latest: parts.deadLetters.latest(),
      },
      services: parts.registry.services(parts.serviceNames, atMs),
      dependencies,
      subscriptions: {
        connections: parts.registry.sumFigure('gateway', 'subscriptionConnections', atMs),
      },
    };
  };
}

import type { Admin } from 'kafkajs';
import { parseHeartbeat } from '../../../lib/heartbeat.ts';
import { createKafka, parseBrokers } from '../../../lib/kafka/client.ts';
import type { Component } from '../../../lib/lifecycle.ts';
import type { Logger } from '../../../lib/logger.ts';
import type { ChannelSubscriber } from '../../../lib/redis-channels.ts';
import { redisLayout } from '../../../schema/redis-keys.ts';
import type { ConfigServiceConfig } from '../config.ts';
import type { ConfigStore } from '../config-store.ts';
import { mergedValues } from '../environment.ts';
import { SERVICE_SCHEMAS } from '../registry.ts';
import { createDeadLetterTail } from './dead-letter-tail.ts';
import { createInstanceRegistry, type AnnouncedGroups } from './instance-registry.ts';
import { createObserver, type WatchedGroup } from './observe.ts';
import { topicOffsets } from './offsets.ts';
import { createStatusFeed, type StatusFeed } from './status-feed.ts';

/** A segment as the processor's configuration defines it. */
export interface SegmentSummary {
  name: string;
  description: string | null;
}

export interface SystemStatusService {
  feed: StatusFeed;
  /** The segments of the processor's configuration as the config service serves it now. */
  segments(): Promise<SegmentSummary[]>;
  /** Listens for heartbeats; stops the loop, the dead-letter tail and the admin client. */
  component: Component;
}

const at = (tree: unknown, ...keys: string[]): unknown =>
  keys.reduce<unknown>(
    (node, key) =>
      node !== null && typeof node === 'object'
        ? (node as Record<string, unknown>)[key]
        : undefined,
    tree,
  );

const stringAt = (tree: unknown, ...keys: string[]): string | undefined => {
  const value = at(tree, ...keys);
  return typeof value === 'string' && value !== '' ? value : undefined;
};

/**
 * The control plane's view of the system (Query.systemStatus, Subscription.systemStatusChanged):
 * heartbeats heard on Redis, Kafka offsets through the admin API, the dead-letter topic's tail.
 * Serving configuration needs none of it: Kafka is reached only when someone asks for the
 * status, and what does not answer shows up in the status instead of failing the service.
 */
export function createSystemStatus(options: {
  config: ConfigServiceConfig;
  store: ConfigStore;
  channels: ChannelSubscriber;
  redisAnswers: () => Promise<boolean>;
  logger: Logger;
}): SystemStatusService {
  const { config, store, logger } = options;
  const kafka = createKafka(
    parseBrokers(config.kafka.brokers),
    `${config.kafka.clientId}-config`,
    logger,
  );
  let connecting: Promise<Admin> | undefined;
  const admin = (): Promise<Admin> => {
    connecting ??= (async () => {
      const next = kafka.admin();
      await next.connect();
      return next;
    })().catch((error: unknown) => {
      connecting = undefined;
      throw error;
    });
    return connecting;
  };
  const registry = createInstanceRegistry();
  const deadLetters = createDeadLetterTail({
    kafka,
    ends: async (topic) => topicOffsets(await admin()).ends(topic),
    topic: config.topics.deadLetter,
    groupPrefix: `${config.kafka.clientId}-config`,
    logger,
  });

  const configured = async (application: string): Promise<unknown> =>
    mergedValues((await store.environment(application, [], undefined)).sources);

  /**
   * The groups a consumer announced in its heartbeats (its running settings, environment
   * overrides included), else the ones its configuration names.
   */
  async function groups(): Promise<WatchedGroup[]> {
    const { events, changelog } = config.topics;
    const announcedOr = async (
      service: string,
      fallback: () => Promise<AnnouncedGroups>,
    ): Promise<AnnouncedGroups> => registry.groupsOf(service) ?? fallback();
    const processor = await announcedOr('processor', async () => [
      {
        group: stringAt(await configured('processor'), 'consumer', 'groupId') ?? 'processor',
        topic: events,
      },
    ]);
    const archiver = await announcedOr('archiver', async () => {
      const values = await configured('archiver');
      return [
        { group: stringAt(values, 'consumer', 'groupId') ?? 'archiver', topic: events },
        {
          group: stringAt(values, 'snapshots', 'groupId') ?? 'archiver-snapshots',
          topic: changelog,
        },
      ];
    });
    return [
      ...processor.map((g) => ({ role: 'processor' as const, ...g })),
      ...archiver.map((g) => ({ role: 'archiver' as const, ...g })),
    ];
  }

  const observe = createObserver({
    offsets: async () => topicOffsets(await admin()),
    topics: config.topics,
    groups,
    deadLetters,
    registry,
    serviceNames: [...SERVICE_SCHEMAS.keys()],
    redisAnswers: options.redisAnswers,
  });
  const feed = createStatusFeed({ observe, intervalMs: config.status.intervalMs });
  let unlisten: (() => void) | undefined;

  return {
    feed,
    async segments() {
      const list = at(await configured('processor'), 'segments');
      if (!Array.isArray(list)) return [];
      return list.flatMap((segment: unknown) => {
        const name = stringAt(segment, 'name');
        if (name === undefined) return [];
        return [{ name, description: stringAt(segment, 'description') ?? null }];
      });
    },
    component: {
      name: 'system-status',
      async start() {
        unlisten = await options.channels.listen(
          redisLayout(config.redis.keyPrefix).heartbeatChannel,
          (message) => {
            const heartbeat = parseHeartbeat(message);
            if (heartbeat) registry.record(heartbeat, Date.now());
          },
        );
      },
      async stop() {
        unlisten?.();
        feed.close();
        await deadLetters.stop();
        const opened = connecting;
        connecting = undefined;
        await opened?.then((a) => a.disconnect()).catch(() => undefined);
      },
      ready: () => Promise.resolve(true),
    },
  };
}

import { createServiceHeartbeat } from '../lib/heartbeat.ts';
import { createServiceServer } from '../lib/http/service-server.ts';
import { createKafka, parseBrokers } from '../lib/kafka/client.ts';
import type { LiveConfig } from '../config/client/live.ts';
import { allReady } from '../lib/lifecycle.ts';
import type { Logger } from '../lib/logger.ts';
import { createMetricsRegistry } from '../lib/metrics.ts';
import { createProfileStore } from '../profiles/profile-store.ts';
import { createRedisComponent } from '../lib/redis.ts';
import type { Service } from '../lib/service.ts';
import { redisLayout } from '../schema/redis-keys.ts';
import type { ProcessorConfig } from './config.ts';
import { createProcessorMetrics } from './metrics.ts';
import { createProcessor } from './processor.ts';
import { createStateMetrics } from './redis-state/state-metrics.ts';
import { createRedisStateGuard } from './redis-state/state-guard.ts';
import { profileRulesFromConfig, type ProfileRules } from './rules.ts';

export function createProcessorService(
  config: ProcessorConfig,
  logger: Logger,
  live?: LiveConfig<ProcessorConfig>,
): Service {
  const redis = createRedisComponent(config.redis.url, 'redis', config.redis);
  const metrics = createMetricsRegistry('processor');
  // The rules are read once per batch: a change from the config service applies to the next one.
  let rules: ProfileRules = profileRulesFromConfig(config);
  live?.onChange(
    (next) => (rules = profileRulesFromConfig(next)),
    ['sessions', 'segments', 'limits', 'identity'],
  );
  // Not a rule of the profile: how the store keeps the recent-activity lists, read per write.
  let recentActivity = config.recentActivity;
  live?.onChange((next) => (recentActivity = next.recentActivity), ['recentActivity']);
  const { consumer } = config;
  const kafka = createKafka(
    parseBrokers(config.kafka.brokers),
    `${config.kafka.clientId}-processor`,
    logger,
  );
  const layout = redisLayout(config.redis.keyPrefix);
  // Every profile write checks that Redis still holds the state this guard verified.
  const state = createRedisStateGuard({
    redis: redis.client,
    layout,
    kafka,
    changelogTopic: config.topics.changelog,
    groupId: consumer.groupId,
    knownSegments: () => rules.segments.map((segment) => segment.name),
    checkIntervalMs: config.stateCheck.intervalMs,
    logger,
    metrics: createStateMetrics(metrics),
  });
  const processor = createProcessor({
    kafka,
    store: createProfileStore(redis.client, layout, {
      verified: state.verified,
      recentActivity: () => recentActivity,
      messageIdWindow: () => rules.limits.messageIdWindow,
    }),
    state,
    topics: config.topics,
    groupId: consumer.groupId,
    logger,
    rules: () => rules,
    metrics: createProcessorMetrics(metrics),
    partitionsConsumedConcurrently: consumer.partitionsConsumedConcurrently,
    consumerConfig: {
      maxWaitTimeInMs: consumer.maxWaitTimeMs,
      maxBytesPerPartition: consumer.maxBytesPerPartition,
      sessionTimeout: consumer.sessionTimeoutMs,
      heartbeatInterval: consumer.heartbeatIntervalMs,
    },
  });
  const dependencies = () => [redis, state, processor];
  const http = createServiceServer({
    ...config.http,
    metrics,
    dependencies,
  });
  const heartbeat = createServiceHeartbeat({
    service: 'processor',
    settings: config,
    http,
    redis: redis.client,
    ready: () => allReady(dependencies()),
    // The group as it runs (environment overrides included), for the status's lag.
    figures: () => ({ consumerGroups: [{ group: consumer.groupId, topic: config.topics.events }] }),
  });
  return { components: [redis, state, processor, http, heartbeat], http };
}

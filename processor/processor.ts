import type { ConsumerConfig, Kafka } from 'kafkajs';
import type { Component } from '../lib/lifecycle.ts';
import type { Logger } from '../lib/logger.ts';
import { createProducer } from '../lib/kafka/client.ts';
import { createEventConsumer, type EventBatch } from '../lib/kafka/event-consumer.ts';
import { sendInChunks } from '../lib/kafka/send-in-chunks.ts';
import type { ProfileStore, ProfileWrite } from '../lib/profile-store.ts';
import { profileIdOf } from '../schema/event.ts';
import { emptyStoredProfile, type StoredProfile } from '../schema/profile.ts';
import type { TopicNames } from '../schema/topics.ts';
import { applyEvents, type PositionedEvent } from './apply-event.ts';
import type { ProcessorMetrics } from './metrics.ts';
import { describeChange } from './profile-change.ts';
import type { ProfileRules } from './rules.ts';

export interface ProcessorDeps {
  kafka: Kafka;
  store: ProfileStore;
  topics: TopicNames;
  groupId: string;
  logger: Logger;
  /** The rules in force; read once per batch, so a live reload takes effect with the next one. */
  rules: () => ProfileRules;
  metrics?: ProcessorMetrics;
  consumerConfig?: Partial<ConsumerConfig>;
  partitionsConsumedConcurrently?: number;
}

/** How often a profile whose version moved under us (a rebalance zombie) is re-read and retried. */
const MAX_CONFLICT_RETRIES = 5;

/**
 * The hot path: applies each batch to the profiles in Redis, then sends their snapshots to the
 * changelog, then (in the consumer) commits the offsets. Redelivered events never double count:
 * each profile stores its per-partition watermark atomically with its content.
 */
export function createProcessor(deps: ProcessorDeps): Component {
  const { store, metrics } = deps;
  const producer = createProducer(deps.kafka);

  /** Applies the events; resolves with the stored state of every touched profile. */
  async function applyToProfiles(
    byProfile: Map<string, PositionedEvent[]>,
    rules: ProfileRules,
  ): Promise<{ stored: StoredProfile[]; applied: number }> {
    const final = new Map<string, StoredProfile>();
    let applied = 0;
    let ids = [...byProfile.keys()];
    for (let attempt = 0; ids.length > 0; attempt++) {
      if (attempt > MAX_CONFLICT_RETRIES)
        throw new Error(`profiles kept changing underneath: ${ids.join(', ')}`);
      const current = await store.readMany(ids);
      const writes: ProfileWrite[] = [];
      ids.forEach((id, index) => {
        const before = current[index] ?? emptyStoredProfile(id);
        const after = applyEvents(before, byProfile.get(id) ?? [], rules);
        final.set(id, after);
        if (after === before) return;
        writes.push({
          expectedVersion: before.profile.version,
          next: after,
          message: describeChange(before.profile, after.profile),
        });
      });
      const conflicts = new Set(await store.writeMany(writes));
      for (const write of writes) {
        if (conflicts.has(write.next.profile.id)) continue;
        applied += write.next.profile.version - write.expectedVersion;
      }
      metrics?.profilesWritten.inc(writes.length - conflicts.size);
      ids = [...conflicts];
    }
    return { stored: [...final.values()], applied };
  }

  async function handleBatch(batch: EventBatch): Promise<void> {
    if (batch.events.length === 0) return;
    const rules = deps.rules();
    const byProfile = new Map<string, PositionedEvent[]>();
    for (const { event, offset } of batch.events) {
      const id = profileIdOf(event);
      let list = byProfile.get(id);
      if (list === undefined) byProfile.set(id, (list = []));
      list.push({ event, position: { partition: batch.partition, offset } });
    }
    const { stored, applied } = await applyToProfiles(byProfile, rules);
    metrics?.applied.inc(applied);
    metrics?.unchanged.inc(batch.events.length - applied);
    await batch.heartbeat();
    await store.syncSegmentSets(
      stored.map((s) => ({ id: s.profile.id, segments: s.profile.segments })),
      rules.segments.map((segment) => segment.name),
    );
    // Every touched profile, changed or not: if this is a redelivery after a crash between the
    // Redis write and this send, the snapshot would otherwise never reach the changelog.
    await sendInChunks(
      producer,
      deps.topics.changelog,
      stored.map((s) => ({ key: s.profile.id, value: JSON.stringify(s) })),
    );
  }

  // Low fetch wait keeps event-to-profile latency in milliseconds at light load.
  return createEventConsumer({
    name: 'processor',
    kafka: deps.kafka,
    groupId: deps.groupId,
    topics: deps.topics,
    logger: deps.logger,
    handleBatch,
    producer,
    ...(metrics ? { metrics: metrics.consumer } : {}),
    ...(deps.partitionsConsumedConcurrently === undefined
      ? {}
      : { partitionsConsumedConcurrently: deps.partitionsConsumedConcurrently }),
    consumerConfig: { maxWaitTimeInMs: 20, ...deps.consumerConfig },
  });
}

import type { Kafka } from 'kafkajs';
import type { Component } from '../lib/lifecycle.ts';
import type { Logger } from '../lib/logger.ts';
import { createEventConsumer, type EventBatch } from '../lib/kafka/event-consumer.ts';
import { profileIdOf, type ActivityEvent } from '../schema/event.ts';
import type { TopicNames } from '../schema/topics.ts';
import { applyEvent, emptyStoredProfile, type EventPosition } from './apply-event.ts';
import type { ProfileStore, ProfileWrite } from '../lib/profile-store.ts';

export interface ProcessorDeps {
  kafka: Kafka;
  store: ProfileStore;
  topics: TopicNames;
  groupId: string;
  logger: Logger;
}

interface PendingEvent {
  event: ActivityEvent;
  position: EventPosition;
}

/** How often a profile whose version moved under us (a rebalance zombie) is re-read and retried. */
const MAX_CONFLICT_RETRIES = 5;

/**
 * The hot path: applies events to profiles in Redis. Redelivered events never double count
 * thanks to the per-profile watermark written atomically with the profile.
 */
export function createProcessor(deps: ProcessorDeps): Component {
  const { store } = deps;

  async function applyToProfiles(byProfile: Map<string, PendingEvent[]>): Promise<void> {
    let ids = [...byProfile.keys()];
    for (let attempt = 0; ids.length > 0; attempt++) {
      if (attempt > MAX_CONFLICT_RETRIES)
        throw new Error(`profiles kept changing underneath: ${ids.join(', ')}`);
      const current = await store.readMany(ids);
      const now = new Date().toISOString();
      const writes: ProfileWrite[] = [];
      ids.forEach((id, index) => {
        const before = current[index] ?? emptyStoredProfile(id);
        let after = before;
        for (const { event, position } of byProfile.get(id) ?? [])
          after = applyEvent(after, event, position, now);
        if (after === before) return;
        writes.push({
          expectedVersion: before.profile.version,
          next: after,
          message: JSON.stringify({
            id,
            version: after.profile.version,
            changed: ['eventCount', 'lastSeenAt', 'version'],
          }),
        });
      });
      ids = await store.writeMany(writes);
    }
  }

  async function handleBatch(batch: EventBatch): Promise<void> {
    const byProfile = new Map<string, PendingEvent[]>();
    for (const { event, offset } of batch.events) {
      const id = profileIdOf(event);
      const list = byProfile.get(id) ?? [];
      list.push({ event, position: { partition: batch.partition, offset } });
      byProfile.set(id, list);
    }
    await applyToProfiles(byProfile);
  }

  // Low fetch wait keeps event-to-profile latency in milliseconds at light load.
  return createEventConsumer({
    ...deps,
    name: 'processor',
    handleBatch,
    consumerConfig: { maxWaitTimeInMs: 20 },
  });
}

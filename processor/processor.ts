import type { ConsumerConfig, Kafka, Message } from 'kafkajs';
import type { Component } from '../lib/lifecycle.ts';
import type { Logger } from '../lib/logger.ts';
import { createProducer } from '../lib/kafka/client.ts';
import { createEventConsumer, type EventBatch } from '../lib/kafka/event-consumer.ts';
import { createBatchRounds } from '../lib/kafka/batch-rounds.ts';
import { chunkMessages } from '../lib/kafka/send-in-chunks.ts';
import type { ProfileStore, ProfileWrite, SegmentMembership } from '../lib/profile-store.ts';
import { profileIdOf } from '../schema/event.ts';
import { emptyStoredProfile, type BoundRefusals } from '../schema/profile.ts';
import type { TopicNames } from '../schema/topics.ts';
import type { PositionedEvent } from './apply-event.ts';
import { applyGuarded, type SetAside } from './guarded-apply.ts';
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
  /** Fetch settings from config/processor.yml (maxWaitTimeMs, maxBytesPerPartition, …). */
  consumerConfig: Partial<ConsumerConfig>;
  partitionsConsumedConcurrently?: number;
}

/** A profile a batch touched, as stored after the batch. */
interface TouchedProfile extends SegmentMembership {
  /** The stored profile as JSON, for the changelog. */
  document: string;
  /** Whether its segment sets must be brought in line (see applyToProfiles). */
  segmentSyncNeeded: boolean;
}

/** How often a profile whose version moved under us (a rebalance zombie) is re-read and retried. */
const MAX_CONFLICT_RETRIES = 5;

/**
 * Events applied in one round at most: a backlog's full fetches (8 MiB per partition) are split
 * over a few rounds rather than decoded, read and written all at once.
 */
const MAX_ROUND_EVENTS = 40_000;

/**
 * The hot path: applies the batches of a fetch, together, to the profiles in Redis, then sends
 * their snapshots to the changelog, then (in the consumer) commits the offsets. Redelivered
 * events never double count: each profile stores its per-partition watermark atomically with
 * its content.
 */
export function createProcessor(deps: ProcessorDeps): Component {
  const { store, metrics } = deps;
  const producer = createProducer(deps.kafka);
  const sendSnapshots = async (messages: Message[]) => {
    await producer.send({ topic: deps.topics.changelog, acks: -1, messages });
  };

  /**
   * Applies the events; resolves with the stored state of every touched profile and the events
   * set aside (per profile, from its last attempt: a retried profile is recomputed whole).
   */
  async function applyToProfiles(
    byProfile: Map<string, PositionedEvent[]>,
    rules: ProfileRules,
  ): Promise<{ touched: TouchedProfile[]; applied: number; setAside: SetAside[] }> {
    const touched = new Map<string, TouchedProfile>();
    const setAside = new Map<string, SetAside[]>();
    let applied = 0;
    let ids = [...byProfile.keys()];
    for (let attempt = 0; ids.length > 0; attempt++) {
      if (attempt > MAX_CONFLICT_RETRIES)
        throw new Error(`profiles kept changing underneath: ${ids.join(', ')}`);
      const current = await store.readMany(ids);
      const writes: ProfileWrite[] = [];
      const refusals = new Map<string, [before: BoundRefusals, after: BoundRefusals]>();
      ids.forEach((id, index) => {
        const before = current[index] ?? emptyStoredProfile(id);
        const events = byProfile.get(id) ?? [];
        // Serialised once: the same text is stored in Redis and sent to the changelog.
        const { after, document, setAside: failed } = applyGuarded(before, events, rules);
        if (failed.length > 0) setAside.set(id, failed);
        else setAside.delete(id);
        const appliedHere = after.profile.version - before.profile.version;
        touched.set(id, {
          id,
          segments: after.profile.segments,
          document,
          // A skipped event may be the redelivery of a batch that crashed before its segment
          // sets were synced, so those profiles are synced as well as the ones that moved.
          segmentSyncNeeded:
            after.profile.segments !== before.profile.segments ||
            appliedHere + failed.length < events.length,
        });
        if (after === before) return;
        if (after.refused !== before.refused) refusals.set(id, [before.refused, after.refused]);
        writes.push({
          id,
          expectedVersion: before.profile.version,
          nextVersion: after.profile.version,
          document,
          message: describeChange(before.profile, after.profile),
        });
      });
      const conflicts = new Set(await store.writeMany(writes));
      for (const write of writes) {
        if (conflicts.has(write.id)) continue;
        applied += write.nextVersion - write.expectedVersion;
        const refused = refusals.get(write.id);
        if (refused) countRefusals(...refused);
      }
      metrics?.profilesWritten.inc(writes.length - conflicts.size);
      ids = [...conflicts];
    }
    return { touched: [...touched.values()], applied, setAside: [...setAside.values()].flat() };
  }

  /** What a stored write refused at the bounds, into the per-bound counter. */
  function countRefusals(before: BoundRefusals, after: BoundRefusals): void {
    for (const bound of ['traitKeys', 'traitBytes', 'eventNames'] as const) {
      const refused = after[bound] - before[bound];
      if (refused > 0) metrics?.refusedAtBound.inc({ bound }, refused);
    }
  }

  /**
   * Sends the events no profile could take to the dead-letter topic, each through the batch of
   * its partition, before the batches' offsets are committed.
   */
  async function deadLetter(batches: EventBatch[], setAside: SetAside[]): Promise<void> {
    if (setAside.length === 0) return;
    for (const { position, reason, kind } of setAside) {
      deps.logger.warn({ topic: deps.topics.events, ...position, reason }, 'setting event aside');
      metrics?.setAside.inc({ kind });
    }
    for (const batch of batches) {
      const items = setAside
        .filter(({ position }) => position.partition === batch.partition)
        .map(({ position, reason }) => ({ offset: position.offset, reason }));
      if (items.length > 0) await batch.deadLetter(items);
    }
  }

  /** Applies a round of batches (see createBatchRounds); their profiles never overlap. */
  async function applyRound(batches: EventBatch[]): Promise<void> {
    const rules = deps.rules();
    const byProfile = new Map<string, PositionedEvent[]>();
    let events = 0;
    for (const batch of batches) {
      events += batch.events.length;
      for (const { event, offset } of batch.events) {
        const id = profileIdOf(event);
        let list = byProfile.get(id);
        if (list === undefined) byProfile.set(id, (list = []));
        list.push({ event, position: { partition: batch.partition, offset } });
      }
    }
    const { touched, applied, setAside } = await applyToProfiles(byProfile, rules);
    metrics?.applied.inc(applied);
    metrics?.unchanged.inc(events - applied - setAside.length);
    await deadLetter(batches, setAside);
    // One consumer behind every batch: one heartbeat keeps its membership.
    await batches[0]?.heartbeat();
    await store.syncSegmentSets(
      touched.filter((profile) => profile.segmentSyncNeeded),
      rules.segments.map((segment) => segment.name),
    );
    // Every touched profile, changed or not: if this is a redelivery after a crash between the
    // Redis write and this send, the snapshot would otherwise never reach the changelog.
    const snapshots = touched.map((profile) => ({ key: profile.id, value: profile.document }));
    for (const chunk of chunkMessages(snapshots)) await sendSnapshots(chunk);
  }
  const rounds = createBatchRounds(applyRound, (batch) => batch.events.length, MAX_ROUND_EVENTS);

  return createEventConsumer({
    name: 'processor',
    kafka: deps.kafka,
    groupId: deps.groupId,
    topics: deps.topics,
    logger: deps.logger,
    handleBatch: (batch) => (batch.events.length === 0 ? Promise.resolve() : rounds.add(batch)),
    producer,
    ...(metrics ? { metrics: metrics.consumer } : {}),
    ...(deps.partitionsConsumedConcurrently === undefined
      ? {}
      : { partitionsConsumedConcurrently: deps.partitionsConsumedConcurrently }),
    consumerConfig: deps.consumerConfig,
  });
}

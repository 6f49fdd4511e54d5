import type { ConsumerConfig, Kafka, Message } from 'kafkajs';
import type { Component } from '../lib/lifecycle.ts';
import type { Logger } from '../lib/logger.ts';
import { createProducer } from '../lib/kafka/client.ts';
import { createEventConsumer, type EventBatch } from '../events/event-consumer.ts';
import { createBatchRounds } from '../lib/kafka/batch-rounds.ts';
import { chunkMessages } from '../lib/kafka/send-in-chunks.ts';
import {
  RedisStateLostError,
  type ProfileStore,
  type ProfileWrite,
  type SegmentMembership,
} from '../profiles/profile-store.ts';
import { isErased, parseFence, predatesFence } from '../profiles/erasure-fence.ts';
import { profileIdOf } from '../schema/event.ts';
import { emptyStoredProfile, type BoundRefusals, type StoredProfile } from '../schema/profile.ts';
import type { TopicNames } from '../schema/topics.ts';
import type { PositionedEvent } from './apply-event.ts';
import { afterRedisWrite } from './fault-injection.ts';
import { applyGuarded, type SetAside } from './guarded-apply.ts';
import type { ProcessorMetrics } from './metrics.ts';
import { describeChange } from './describe-change.ts';
import type { KeepAlive, RedisStateGuard } from './redis-state/state-guard.ts';
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
  /**
   * Notices Redis losing the profile state and restores it from the changelog; `store` must
   * be guarded with its `verified`. Absent: the store is trusted as it is.
   */
  state?: RedisStateGuard;
}

/** A profile a batch touched, as stored after the batch. */
interface TouchedProfile extends SegmentMembership {
  /** The stored profile as JSON, for the changelog. */
  document: string;
  /** Whether its segment sets must be brought in line (see applyToProfiles). */
  segmentSyncNeeded: boolean;
  /** Its deletion fence (raw JSON) when the round applied its events, null: none. */
  fence: string | null;
}

/** A profile erased from a stale document: empty, but its version goes on from the stored one. */
function startedOver(id: string, version: number): StoredProfile {
  const empty = emptyStoredProfile(id);
  return { ...empty, profile: { ...empty.profile, version } };
}

/** How often a profile whose version moved under us (a rebalance zombie) is re-read and retried. */
const MAX_CONFLICT_RETRIES = 5;

/**
 * Events applied in one round at most: a backlog's full fetches (8 MiB per partition) are split
 * over a few rounds rather than decoded, read and written all at once.
 */
const MAX_ROUND_EVENTS = 40_000;

/** Restores one round may wait for before its error is left to the consumer's retries. */
const MAX_RESTORES_PER_ROUND = 3;

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
  ): Promise<{
    touched: TouchedProfile[];
    applied: number;
    setAside: SetAside[];
    erased: number;
  }> {
    const touched = new Map<string, TouchedProfile>();
    const setAside = new Map<string, SetAside[]>();
    /** Per profile, its events below its deletion fence (from its last attempt). */
    const erased = new Map<string, number>();
    let applied = 0;
    let ids = [...byProfile.keys()];
    for (let attempt = 0; ids.length > 0; attempt++) {
      if (attempt > MAX_CONFLICT_RETRIES)
        throw new Error(`profiles kept changing underneath: ${ids.join(', ')}`);
      const current = await store.readForUpdate(ids);
      const writes: ProfileWrite[] = [];
      const refusals = new Map<string, [before: BoundRefusals, after: BoundRefusals]>();
      ids.forEach((id, index) => {
        const { stored, fence: rawFence = null } = current[index] ?? {};
        const fence = parseFence(rawFence);
        const all = byProfile.get(id) ?? [];
        // An erased profile's events below its fence were acknowledged before its deletion:
        // they are dropped, not dead-lettered (ADR 0005). The write carries the fence it
        // applied against, so a deletion in between makes it re-read and drop them.
        const events = fence
          ? all.filter(({ position }) => !isErased(fence, position.partition, position.offset))
          : all;
        erased.set(id, all.length - events.length);
        if (stored === undefined && events.length === 0) {
          // Only erased events of a profile Redis does not hold: nothing to store or announce.
          touched.delete(id);
          return;
        }
        // A document that predates the fence (restored from an older changelog record) holds
        // erased events: the profile starts over, its version moving on.
        const stale =
          fence !== undefined && stored !== undefined && predatesFence(fence, stored.watermarks);
        const before = stale
          ? startedOver(id, stored.profile.version)
          : (stored ?? emptyStoredProfile(id));
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
            stale ||
            after.profile.segments !== before.profile.segments ||
            appliedHere + failed.length < events.length,
          fence: rawFence,
        });
        if (after === before && !stale) return;
        if (after.refused !== before.refused) refusals.set(id, [before.refused, after.refused]);
        writes.push({
          id,
          expectedVersion: before.profile.version,
          nextVersion: after.profile.version,
          document,
          change: describeChange(before.profile, after.profile),
          fence: rawFence,
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
    return {
      touched: [...touched.values()],
      applied,
      setAside: [...setAside.values()].flat(),
      erased: [...erased.values()].reduce((sum, n) => sum + n, 0),
    };
  }

  /**
   * After a round's segment syncs and snapshots: a profile deleted since the round read it
   * (its fence changed) may have had its sets and changelog record written back by them, after
   * the deletion cleared them. Its sets and its latest changelog record are made what Redis
   * holds now: nothing, or the profile built by events after the fence. Deletion sets the fence
   * before it clears anything, so a fence unchanged here means the deletion's clearing came
   * after this round's writes.
   */
  async function repairDeletedDuringRound(
    touched: readonly TouchedProfile[],
    rules: ProfileRules,
  ): Promise<void> {
    const fences = await store.readFences(touched.map((profile) => profile.id));
    const deleted = touched.filter((profile, index) => fences[index] !== profile.fence);
    if (deleted.length === 0) return;
    const ids = deleted.map((profile) => profile.id);
    const now = await store.readMany(ids);
    await store.syncSegmentSets(
      ids.map((id, index) => ({ id, segments: now[index]?.profile.segments ?? [] })),
      rules.segments.map((segment) => segment.name),
    );
    const records = ids.map((id, index) => {
      const stored = now[index];
      return { key: id, value: stored === undefined ? null : JSON.stringify(stored) };
    });
    for (const chunk of chunkMessages(records)) await sendSnapshots(chunk);
  }

  /**
   * Runs a round's profile work on a Redis state known to be whole: when a write finds it lost,
   * the state is restored from the changelog and the work starts over from fresh reads (the
   * writes that did land before are covered by the watermarks).
   */
  async function onVerifiedState<R>(work: () => Promise<R>, keepAlive: KeepAlive): Promise<R> {
    const { state } = deps;
    if (!state) return work();
    for (let restores = 0; ; restores++) {
      await state.beforeRound(keepAlive);
      try {
        return await work();
      } catch (error) {
        if (!(error instanceof RedisStateLostError) || restores >= MAX_RESTORES_PER_ROUND)
          throw error;
        await state.recover(error.message, keepAlive);
      }
    }
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
    const keepAlive = () => batches[0]?.heartbeat() ?? Promise.resolve();
    const { touched, applied, setAside, erased } = await onVerifiedState(
      () => applyToProfiles(byProfile, rules),
      keepAlive,
    );
    afterRedisWrite(applied); // chaos-suite fault-injection point; a no-op unless enabled
    metrics?.applied.inc(applied);
    metrics?.erased.inc(erased);
    metrics?.unchanged.inc(events - applied - setAside.length - erased);
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
    await repairDeletedDuringRound(touched, rules);
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

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
import { changelogRecords } from '../profiles/changelog-keys.ts';
import { wholeRing, type RingChunk } from '../profiles/message-id-ring.ts';
import { profileIdOf } from '../schema/event.ts';
import { storedDocument, type BoundRefusals } from '../schema/profile.ts';
import type { TopicNames } from '../schema/topics.ts';
import type { PositionedEvent } from './apply-event.ts';
import { afterRedisWrite } from './fault-injection.ts';
import type { SetAside } from './guarded-apply.ts';
import type { ProcessorMetrics } from './metrics.ts';
import { updatePerson, type PersonUpdate } from './person-update.ts';
import { planRound, readIdentifiers } from './round-plan.ts';
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
  /** The stored profile as JSON, for the changelog; null: merged away (a tombstone). */
  document: string | null;
  /** The chunks of its dedupe window for the changelog (ignored for a tombstone). */
  ring: readonly RingChunk[];
  /** Whether its segment sets must be brought in line (see applyToProfiles). */
  segmentSyncNeeded: boolean;
  /** Its deletion fence (raw JSON) when the round applied its events, null: none. */
  fence: string | null;
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

/** A record for the dead-letter topic about the event at a position. */
interface DeadLetter {
  position: PositionedEvent['position'];
  reason: string;
  kind: SetAside['kind'] | 'merge_refused';
}

/**
 * The hot path: applies the batches of a fetch, together, to the profiles in Redis, then sends
 * their snapshots to the changelog, then (in the consumer) commits the offsets. Redelivered
 * events never double count: each profile stores its per-partition watermark atomically with
 * its content. Events that tie identifiers together link or merge profiles in the same atomic
 * write (ADR 0012).
 */
export function createProcessor(deps: ProcessorDeps): Component {
  const { store, metrics } = deps;
  const producer = createProducer(deps.kafka);
  const sendSnapshots = async (messages: Message[]) => {
    await producer.send({ topic: deps.topics.changelog, acks: -1, messages });
  };

  /**
   * Applies the events (in stream order) to the profiles their identifiers resolve to, making
   * the links and merges they ask for; resolves with the stored state of every touched profile
   * and what goes to the dead-letter topic (per person, from its last attempt: a retried
   * person is recomputed whole).
   */
  async function applyToProfiles(
    events: readonly PositionedEvent[],
    rules: ProfileRules,
  ): Promise<{
    touched: TouchedProfile[];
    applied: number;
    deadLetters: DeadLetter[];
    erased: number;
  }> {
    const touched = new Map<string, TouchedProfile>();
    /** Per person (by the profile it resolved to), its dead letters from its last attempt. */
    const deadLetters = new Map<string, DeadLetter[]>();
    /** Per person, its events below their identifier's deletion fence (from its last attempt). */
    const erased = new Map<string, number>();
    let applied = 0;
    let pending = events;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > MAX_CONFLICT_RETRIES)
        throw new Error(
          `profiles kept changing underneath: ${[...new Set(pending.map(({ event }) => profileIdOf(event)))].join(', ')}`,
        );
      const round = planRound(pending, await readIdentifiers(store, pending), rules);
      const { byPerson, erasedOf, refusedOf, profileOf, personOf } = round;

      const writes: ProfileWrite[] = [];
      const updates = new Map<string, PersonUpdate>();
      const refusals = new Map<string, [before: BoundRefusals, after: BoundRefusals]>();
      for (const [root, personEvents] of byPerson) {
        erased.set(root, erasedOf.get(root) ?? 0);
        const rootRead = profileOf(root);
        if (rootRead.stored === undefined && personEvents.length === 0) {
          // Only erased events of a profile Redis does not hold: nothing to store or announce.
          touched.delete(root);
          deadLetters.delete(root);
          continue;
        }
        const update = updatePerson(
          {
            root: rootRead,
            absorbed: round.absorbedOf(root),
            identifiers: round.identifiersOf(root),
            events: personEvents,
          },
          rules,
        );
        updates.set(root, update);
        deadLetters.set(root, [
          ...update.setAside,
          ...(refusedOf.get(root) ?? []).map(({ position, reason }) => ({
            position,
            reason,
            kind: 'merge_refused' as const,
          })),
        ]);
        if (update.write === undefined) {
          touched.set(root, {
            id: root,
            segments: update.after.profile.segments,
            document: update.document,
            ring: update.ring,
            // Every event was skipped: it may be the redelivery of a batch that crashed before
            // its segment sets were synced.
            segmentSyncNeeded: personEvents.length > 0,
            fence: rootRead.fence,
          });
          continue;
        }
        if (update.after.refused !== update.refusedBefore)
          refusals.set(root, [update.refusedBefore, update.after.refused]);
        writes.push(update.write);
      }
      const conflicts = new Set(await store.writeMany(writes));
      for (const write of writes) {
        const update = updates.get(write.id);
        if (conflicts.has(write.id) || update === undefined) continue;
        applied += update.applied;
        const refused = refusals.get(write.id);
        if (refused) countRefusals(...refused);
        const before = profileOf(write.id).stored;
        touched.set(write.id, {
          id: write.id,
          segments: update.after.profile.segments,
          document: update.document,
          ring: update.ring,
          segmentSyncNeeded:
            update.startedOver ||
            update.merged.length > 0 ||
            update.after.profile.segments !== before?.profile.segments ||
            update.applied + update.setAside.length < (byPerson.get(write.id)?.length ?? 0),
          fence: write.fence ?? null,
        });
        for (const merged of update.merged) {
          touched.set(merged.id, {
            id: merged.id,
            segments: [],
            document: null,
            ring: [],
            segmentSyncNeeded: true,
            fence: merged.fence,
          });
          metrics?.merges.inc();
        }
        for (const { refusal } of refusedOf.get(write.id) ?? [])
          metrics?.mergesRefused.inc({ reason: refusal });
      }
      metrics?.profilesWritten.inc(writes.length - conflicts.size);
      // A conflicting person is planned again from fresh reads, perhaps as another profile.
      for (const root of conflicts) {
        deadLetters.delete(root);
        erased.delete(root);
      }
      pending = pending.filter((positioned) => conflicts.has(personOf(positioned)));
    }
    return {
      touched: [...touched.values()],
      applied,
      deadLetters: [...deadLetters.values()].flat(),
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
    const window = rules.limits.messageIdWindow;
    const records = ids.flatMap((id, index) => {
      const stored = now[index];
      return changelogRecords(
        id,
        stored === undefined ? null : storedDocument(stored),
        stored === undefined
          ? []
          : wholeRing(stored.recentMessageIds, stored.messageIdCount, window),
      );
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
   * Sends to the dead-letter topic the events no profile could take and the links the merge
   * policy refused (whose events did count), each through the batch of its partition, before
   * the batches' offsets are committed.
   */
  async function deadLetter(batches: EventBatch[], letters: DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    for (const { position, reason, kind } of letters) {
      if (kind === 'merge_refused') {
        deps.logger.warn({ topic: deps.topics.events, ...position, reason }, 'merge refused');
        continue;
      }
      deps.logger.warn({ topic: deps.topics.events, ...position, reason }, 'setting event aside');
      metrics?.setAside.inc({ kind });
    }
    for (const batch of batches) {
      const items = letters
        .filter(({ position }) => position.partition === batch.partition)
        .map(({ position, reason }) => ({ offset: position.offset, reason }));
      if (items.length > 0) await batch.deadLetter(items);
    }
  }

  /**
   * Applies a round of batches (see createBatchRounds). Their keys never overlap, but their
   * identifiers may resolve to one person: applyToProfiles groups the events by person.
   */
  async function applyRound(batches: EventBatch[]): Promise<void> {
    const rules = deps.rules();
    const events: PositionedEvent[] = [];
    for (const batch of batches)
      for (const { event, offset } of batch.events)
        events.push({ event, position: { partition: batch.partition, offset } });
    const keepAlive = () => batches[0]?.heartbeat() ?? Promise.resolve();
    const { touched, applied, deadLetters, erased } = await onVerifiedState(
      () => applyToProfiles(events, rules),
      keepAlive,
    );
    afterRedisWrite(applied); // chaos-suite fault-injection point; a no-op unless enabled
    const setAside = deadLetters.filter(({ kind }) => kind !== 'merge_refused').length;
    metrics?.applied.inc(applied);
    metrics?.erased.inc(erased);
    metrics?.unchanged.inc(events.length - applied - setAside - erased);
    await deadLetter(batches, deadLetters);
    // One consumer behind every batch: one heartbeat keeps its membership.
    await batches[0]?.heartbeat();
    await store.syncSegmentSets(
      touched.filter((profile) => profile.segmentSyncNeeded),
      rules.segments.map((segment) => segment.name),
    );
    // Every touched profile, changed or not: if this is a redelivery after a crash between the
    // Redis write and this send, the snapshot would otherwise never reach the changelog. A
    // merged-away profile's record is a tombstone.
    const snapshots = touched.flatMap((profile) =>
      changelogRecords(profile.id, profile.document, profile.ring),
    );
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

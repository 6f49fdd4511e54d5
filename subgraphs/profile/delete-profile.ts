import { eq } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { purgeErasedEvents, recordErasure } from '../../profiles/erasure-archive.ts';
import { segmentMemberSets } from '../../profiles/segment-sets.ts';
import { createProducer } from '../../lib/kafka/client.ts';
import type { Component } from '../../lib/lifecycle.ts';
import type { Database } from '../../lib/postgres.ts';
import { profiles } from '../../schema/db/tables.ts';
import { parseStoredProfile } from '../../schema/profile.ts';
import type { RedisLayout } from '../../schema/redis-keys.ts';
import { eraseLiveProfile } from './erase-live-profile.ts';

export type DeleteProfileResult =
  | {
      ok: true;
      id: string;
      removedLive: boolean;
      removedSnapshot: boolean;
      deletedEvents: number;
      error: null;
    }
  | {
      ok: false;
      id: string;
      removedLive: false;
      removedSnapshot: false;
      deletedEvents: 0;
      error: { code: 'INVALID_ID'; message: string };
    };

export interface ProfileEraser extends Component {
  deleteProfile(id: string): Promise<DeleteProfileResult>;
}

export interface ProfileEraserDeps {
  kafka: Kafka;
  redis: Redis;
  layout: RedisLayout;
  db: Database;
  /** Where the profile's events are: the fence is a position in it. */
  eventsTopic: string;
  changelogTopic: string;
}

/** Profile ids are at most 200 characters (the event schema's limit on userId/anonymousId). */
const MAX_ID_LENGTH = 200;

/**
 * Erases a profile everywhere PulseHub keeps it (GDPR): the live profile and its segment
 * memberships in Redis, the snapshot row and every archived event in PostgreSQL, then a
 * tombstone in the compacted changelog. Under traffic, too (ADR 0005): first a deletion fence,
 * the events topic's end offsets, goes to Redis (atomically with the unlink) and to PostgreSQL;
 * every event of the profile below it is erased, wherever it still is (Kafka, a processor
 * round, the archiver's next batch), and the consumers drop it; events at or above it form a
 * new profile. Each step is idempotent: after a failure (a dependency down, reported as an
 * error) the same call finishes the job, with a fence of its own.
 */
export function createProfileEraser(deps: ProfileEraserDeps): ProfileEraser {
  const producer: Producer = createProducer(deps.kafka);
  const admin: Admin = deps.kafka.admin();
  let connected = false;

  /** Per partition of the events topic, the offset the next event will get. */
  async function endOffsets(): Promise<Record<string, number>> {
    const offsets = await admin.fetchTopicOffsets(deps.eventsTopic);
    return Object.fromEntries(offsets.map(({ partition, high }) => [partition, Number(high)]));
  }

  /**
   * Takes the profile out of every segment set (also sets its documents no longer name: rules
   * changed, a snapshot older than the live profile), then puts back what a profile built by events
   * after the fence (applied since the unlink) is in: the processor syncs a profile's sets after
   * its write, so what this reads after the removals is what the sets must say.
   */
  async function leaveSegments(id: string): Promise<void> {
    const removals = deps.redis.pipeline();
    for (const set of await segmentMemberSets(deps.redis, deps.layout)) removals.srem(set, id);
    removals.hget(deps.layout.profile(id), 'doc');
    const results = (await removals.exec()) ?? [];
    for (const [error] of results) if (error) throw error;
    const doc = results.at(-1)?.[1];
    if (typeof doc !== 'string') return;
    const additions = deps.redis.pipeline();
    for (const segment of parseStoredProfile(id, doc).profile.segments)
      additions.sadd(deps.layout.segmentMembers(segment), id);
    for (const [error] of (await additions.exec()) ?? []) if (error) throw error;
  }

  return {
    name: 'profile-eraser',
    start: async () => {
      await producer.connect();
      await admin.connect();
      connected = true;
    },
    stop: async () => {
      connected = false;
      await admin.disconnect();
      await producer.disconnect();
    },
    ready: () => Promise.resolve(connected),
    async deleteProfile(id) {
      if (id.trim() === '' || id.length > MAX_ID_LENGTH)
        return {
          ok: false,
          id,
          removedLive: false,
          removedSnapshot: false,
          deletedEvents: 0,
          error: {
            code: 'INVALID_ID',
            message: `id must be 1 to ${MAX_ID_LENGTH} characters, not blank`,
          },
        };
      // 1. The fence, before anything is erased: in Redis with the unlink (one atomic step),
      // then in PostgreSQL, committed before the archive is touched (see purgeErasedEvents).
      const { fence, removedLive } = await eraseLiveProfile(
        deps.redis,
        deps.layout,
        id,
        await endOffsets(),
      );
      await recordErasure(deps.db, id, fence);
      await leaveSegments(id);
      // 2. The archive below the fence and the snapshot row. An archiver batch that wrote
      // erased events meanwhile purges them itself: it reads the fence after its write.
      const { removedSnapshot, deletedEvents } = await deps.db.transaction(async (tx) => {
        const removed = await tx
          .delete(profiles)
          .where(eq(profiles.profileId, id))
          .returning({ id: profiles.profileId });
        // The dedupe keys say which of the person's messages were stored: they go too.
        const deleted = await purgeErasedEvents(tx, [id]);
        return { removedSnapshot: removed.length > 0, deletedEvents: deleted };
      });
      // 3. Last, the tombstone: a snapshot still in flight lands before it and is deleted by it.
      // A profile the events after the fence built already is its latest record again.
      const rebuilt = await deps.redis.hget(deps.layout.profile(id), 'doc');
      await producer.send({
        topic: deps.changelogTopic,
        acks: -1,
        messages: [
          { key: id, value: null },
          ...(rebuilt === null ? [] : [{ key: id, value: rebuilt }]),
        ],
      });
      return {
        ok: true,
        id,
        removedLive,
        removedSnapshot,
        deletedEvents,
        error: null,
      };
    },
  };
}

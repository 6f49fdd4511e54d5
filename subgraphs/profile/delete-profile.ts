import { eq } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import type { Kafka, Producer } from 'kafkajs';
import { createProducer } from '../../lib/kafka/client.ts';
import type { Component } from '../../lib/lifecycle.ts';
import type { Database } from '../../lib/postgres.ts';
import { eventKeys, events, profiles } from '../../schema/db/tables.ts';
import type { RedisLayout } from '../../schema/redis-keys.ts';

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
  changelogTopic: string;
}

/** Profile ids are at most 200 characters (the event schema's limit on userId/anonymousId). */
const MAX_ID_LENGTH = 200;

/**
 * Erases a profile everywhere PulseHub keeps it (GDPR): the live profile and its segment
 * memberships in Redis, the snapshot row and every archived event in PostgreSQL, then a
 * tombstone in the compacted changelog (so compaction forgets every snapshot, and a snapshot
 * published just before the deletion is deleted again by the snapshot consumer). Each step is idempotent: after a failure (a dependency down,
 * reported as an error) the same call finishes the job.
 */
export function createProfileEraser(deps: ProfileEraserDeps): ProfileEraser {
  const producer: Producer = createProducer(deps.kafka);
  let connected = false;

  /**
   * Every segment set of the deployment: an erased profile must leave them all, also sets its
   * documents no longer name (rules changed, a snapshot older than the live profile).
   * Segments are few, so a SCAN of their keys is cheap.
   */
  async function segmentSets(): Promise<string[]> {
    const keys = new Set<string>();
    let cursor = '0';
    do {
      const [next, found] = await deps.redis.scan(
        cursor,
        'MATCH',
        deps.layout.segmentMembersPattern,
        'COUNT',
        1_000,
      );
      for (const key of found) keys.add(key);
      cursor = next;
    } while (cursor !== '0');
    return [...keys];
  }

  return {
    name: 'profile-eraser',
    start: async () => {
      await producer.connect();
      connected = true;
    },
    stop: async () => {
      connected = false;
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
      const key = deps.layout.profile(id);
      // A pipeline, not MULTI: the segment sets live in other hash slots on Redis Cluster.
      const redisWrites = deps.redis.pipeline().unlink(key);
      for (const set of await segmentSets()) redisWrites.srem(set, id);
      const results = (await redisWrites.exec()) ?? [];
      for (const [error] of results) if (error) throw error;
      const unlinked = results[0]?.[1];
      const { removedSnapshot, deletedEvents } = await deps.db.transaction(async (tx) => {
        const removed = await tx
          .delete(profiles)
          .where(eq(profiles.profileId, id))
          .returning({ id: profiles.profileId });
        const deleted = await tx.delete(events).where(eq(events.profileId, id));
        // The dedupe keys say which of the person's messages were stored: they go too.
        await tx.delete(eventKeys).where(eq(eventKeys.profileId, id));
        return { removedSnapshot: removed.length > 0, deletedEvents: deleted.rowCount ?? 0 };
      });
      // Last: a snapshot still in flight lands before the tombstone and is deleted by it.
      await producer.send({
        topic: deps.changelogTopic,
        acks: -1,
        messages: [{ key: id, value: null }],
      });
      return {
        ok: true,
        id,
        removedLive: unlinked === 1,
        removedSnapshot,
        deletedEvents,
        error: null,
      };
    },
  };
}

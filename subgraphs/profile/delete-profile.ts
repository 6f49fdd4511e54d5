import { inArray } from 'drizzle-orm';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { purgeErasedEvents, recordErasures } from '../../profiles/erasure-archive.ts';
import { segmentMemberSets } from '../../profiles/segment-sets.ts';
import { createProducer } from '../../lib/kafka/client.ts';
import type { Component } from '../../lib/lifecycle.ts';
import type { Database } from '../../lib/postgres.ts';
import type { RedisClient } from '../../lib/redis.ts';
import { profiles } from '../../schema/db/tables.ts';
import { changelogRecords } from '../../profiles/changelog-keys.ts';
import { RING_FIELDS, type RingChunk } from '../../profiles/message-id-ring.ts';
import { parseStoredProfile } from '../../schema/profile.ts';
import type { RedisLayout } from '../../schema/redis-keys.ts';
import { defineLiveErasure, eraseLivePerson, type LiveErasure } from './erase-live-profile.ts';
import { personOf } from './person-identifiers.ts';

export type DeleteProfileResult =
  | {
      ok: true;
      /** The canonical id of the person erased. */
      id: string;
      /** Every identifier erased, the canonical id first. */
      identifiers: string[];
      removedLive: boolean;
      removedSnapshot: boolean;
      deletedEvents: number;
      error: null;
    }
  | {
      ok: false;
      id: string;
      identifiers: [];
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
  redis: RedisClient;
  layout: RedisLayout;
  db: Database;
  /** Where the profile's events are: the fence is a position in it. */
  eventsTopic: string;
  changelogTopic: string;
}

/** Profile ids are at most 200 characters (the event schema's limit on userId/anonymousId). */
const MAX_ID_LENGTH = 200;

/**
 * How often the Redis step is tried again when the person changed between reading its
 * identifiers and erasing them (a merge or a link in between); each is one round trip.
 */
const MAX_ERASE_ATTEMPTS = 5;

/**
 * Erases a person everywhere PulseHub keeps it (GDPR), whichever of its identifiers is given
 * (docs/identity.md): for every identifier the live profile, identity key and segment
 * memberships in Redis, the snapshot row and every archived event in PostgreSQL, then a
 * tombstone in the compacted changelog. Under traffic, too (ADR 0005): first a deletion fence
 * per identifier, the events topic's end offsets, goes to Redis (atomically with the unlinks)
 * and to PostgreSQL; every event of an identifier below its fence is erased, wherever it still
 * is (Kafka, a processor round, the archiver's next batch), and the consumers drop it; events
 * at or above it form a new profile. Each step is idempotent: after a failure (a dependency
 * down, reported as an error) the same call, with any of the identifiers, finishes the job,
 * with fences of its own.
 */
export function createProfileEraser(deps: ProfileEraserDeps): ProfileEraser {
  const producer: Producer = createProducer(deps.kafka);
  const admin: Admin = deps.kafka.admin();
  let connected = false;
  defineLiveErasure(deps.redis);

  /** Per partition of the events topic, the offset the next event will get. */
  async function endOffsets(): Promise<Record<string, number>> {
    const offsets = await admin.fetchTopicOffsets(deps.eventsTopic);
    return Object.fromEntries(offsets.map(({ partition, high }) => [partition, Number(high)]));
  }

  /**
   * Reads who `id` is and erases all of it in Redis in one step; reads again when the person
   * changed in between (the step refuses then, having touched nothing).
   */
  async function eraseLive(id: string): Promise<{ canonical: string } & LiveErasure> {
    for (let attempt = 1; ; attempt++) {
      const person = await personOf(deps, id);
      const erased = await eraseLivePerson(
        deps.redis,
        deps.layout,
        person.identifiers,
        await endOffsets(),
      );
      if (typeof erased !== 'string') return { canonical: person.canonical, ...erased };
      if (attempt === MAX_ERASE_ATTEMPTS)
        throw new Error(`the identifiers of ${id} kept changing during its deletion (${erased})`);
    }
  }

  /** The documents that events after the fences built already for some of `ids`, by id. */
  async function rebuiltProfiles(
    ids: readonly string[],
  ): Promise<Map<string, { doc: string; chunks: RingChunk[] }>> {
    const reads = await Promise.all(
      ids.map((id) => deps.redis.hmget(deps.layout.profile(id), 'doc', ...RING_FIELDS)),
    );
    const rebuilt = new Map<string, { doc: string; chunks: RingChunk[] }>();
    reads.forEach((fields, index) => {
      const [doc, ...texts] = fields;
      const id = ids[index];
      // The slots that hold a chunk: the others are cleared by the tombstones sent before.
      const chunks = texts.flatMap((text, slot) => (text === null ? [] : [{ slot, text }]));
      if (typeof doc === 'string' && id !== undefined) rebuilt.set(id, { doc, chunks });
    });
    return rebuilt;
  }

  /**
   * Takes the identifiers out of every segment set (also sets their documents no longer name:
   * rules changed, a snapshot older than the live profile), then puts back what a profile built
   * by events after the fence (applied since the unlink) is in: the processor syncs a profile's
   * sets after its write, so what this reads after the removals is what the sets must say.
   */
  async function leaveSegments(ids: readonly string[]): Promise<void> {
    // Every shard found, with every id: the ids are few, and a set of an older layout (or shard
    // count) is cleaned as well.
    const sets = await segmentMemberSets(deps.redis, deps.layout);
    await Promise.all(sets.map((set) => deps.redis.srem(set, ...ids)));
    const additions: Array<Promise<number>> = [];
    for (const [id, { doc }] of await rebuiltProfiles(ids))
      for (const segment of parseStoredProfile(id, doc).profile.segments)
        additions.push(deps.redis.sadd(deps.layout.segmentMembersOf(segment, id), id));
    await Promise.all(additions);
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
          identifiers: [],
          removedLive: false,
          removedSnapshot: false,
          deletedEvents: 0,
          error: {
            code: 'INVALID_ID',
            message: `id must be 1 to ${MAX_ID_LENGTH} characters, not blank`,
          },
        };
      // 1. The fences, before anything is erased: in Redis with the unlinks (one atomic step),
      // then in PostgreSQL, committed before the archive is touched (see purgeErasedEvents).
      const { canonical, fences, removedLive } = await eraseLive(id);
      const identifiers = [...fences.keys()];
      await recordErasures(deps.db, fences);
      await leaveSegments(identifiers);
      // 2. The archive below the fences and the snapshot rows. An archiver batch that wrote
      // erased events meanwhile purges them itself: it reads the fence after its write.
      const { removedSnapshot, deletedEvents } = await deps.db.transaction(async (tx) => {
        const removed = await tx
          .delete(profiles)
          .where(inArray(profiles.profileId, identifiers))
          .returning({ id: profiles.profileId });
        // The dedupe keys say which of the person's messages were stored: they go too.
        const deleted = await purgeErasedEvents(tx, identifiers);
        return { removedSnapshot: removed.length > 0, deletedEvents: deleted };
      });
      // 3. Last, the tombstones: a snapshot still in flight lands before them and is deleted
      // by them. A profile the events after a fence built already is its latest record again.
      const rebuilt = await rebuiltProfiles(identifiers);
      await producer.send({
        topic: deps.changelogTopic,
        acks: -1,
        // The dedupe window's chunks are records of their own (ADR 0014): tombstoned too, and
        // a rebuilt profile's sent again, before its document.
        messages: identifiers.flatMap((each) => {
          const live = rebuilt.get(each);
          return [
            ...changelogRecords(each, null, []),
            ...(live === undefined ? [] : changelogRecords(each, live.doc, live.chunks)),
          ];
        }),
      });
      return {
        ok: true,
        id: canonical,
        identifiers,
        removedLive,
        removedSnapshot,
        deletedEvents,
        error: null,
      };
    },
  };
}

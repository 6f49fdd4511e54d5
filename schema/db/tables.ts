import { sql } from 'drizzle-orm';
import {
  bigint,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';

/**
 * Every accepted raw event, once per (profile id, message id): see `eventKeys`. The table is
 * partitioned by the month of `timestamp` (see migration 0002: drizzle-kit cannot express
 * declarative partitioning). PostgreSQL has no unique index across partitions without the
 * partition key, and a key holding `timestamp` would store a retry twice (a retry without a
 * `timestamp` gets a new one from ingest), so the table itself carries no unique key.
 */
export const events = pgTable(
  'events',
  {
    messageId: text('message_id').notNull(),
    type: text('type').notNull(),
    /** `event` for track, `name` for page/screen. */
    name: text('name'),
    profileId: text('profile_id').notNull(),
    userId: text('user_id'),
    anonymousId: text('anonymous_id'),
    properties: jsonb('properties').$type<Record<string, unknown>>(),
    traits: jsonb('traits').$type<Record<string, unknown>>(),
    context: jsonb('context').$type<Record<string, unknown>>(),
    /**
     * The event's remaining fields (groupId, previousId, category, sentAt, originalTimestamp,
     * integrations …), so the archive gives back the event exactly as it was on Kafka.
     */
    extra: jsonb('extra').$type<Record<string, unknown>>(),
    timestamp: timestamp('timestamp', { withTimezone: true, mode: 'string' }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true, mode: 'string' }).notNull(),
    sourcePartition: integer('source_partition').notNull(),
    sourceOffset: bigint('source_offset', { mode: 'number' }).notNull(),
  },
  (t) => [
    index('events_profile_newest_idx').on(t.profileId, t.timestamp.desc(), t.messageId.desc()),
    // BRIN: time ranges within a month partition for a few pages of index, almost free to keep.
    index('events_timestamp_brin').using('brin', t.timestamp),
  ],
);

/**
 * Text compared byte by byte (the C collation): an id is never sorted for people, and skipping
 * the database's locale rules makes the key's index inserts cheaper (about 15% measured on a
 * C.UTF-8 database; locale collations such as en_US cost more). Equality is the same under
 * every deterministic collation, so the dedupe is too.
 */
const idText = customType<{ data: string }>({ dataType: () => 'text COLLATE "C"' });

/**
 * The dedupe key of the archive: one row per stored event, written in the same transaction as
 * the event, so "the same event" (same profile id, the userId else the anonymousId, and same
 * messageId) is stored once whatever its timestamp; the first one stored wins. Unpartitioned,
 * so its primary key spans every month. `timestamp` is the stored event's, so retention
 * deletes a month's keys with the month, and erasure deletes a person's with their events.
 */
export const eventKeys = pgTable(
  'event_keys',
  {
    profileId: idText('profile_id').notNull(),
    messageId: idText('message_id').notNull(),
    timestamp: timestamp('timestamp', { withTimezone: true, mode: 'string' }).notNull(),
  },
  (t) => [
    primaryKey({ name: 'event_keys_pkey', columns: [t.profileId, t.messageId] }),
    // BRIN: retention finds a month's keys in a few pages of index; almost free on insert.
    index('event_keys_timestamp_brin').using('brin', t.timestamp),
  ],
);

/**
 * Latest profile snapshot per profile, fed from the compacted changelog. Indexed by the
 * identifiers each snapshot lists (docs/identity.md), so the person of an identifier that was
 * merged away is found without a scan: `snapshot -> 'profile' -> 'identifiers' @>
 * jsonb_build_array(id)`.
 */
export const profiles = pgTable(
  'profiles',
  {
    profileId: text('profile_id').primaryKey(),
    /** The `StoredProfile` (profile + applied-offset watermarks) as the processor published it. */
    snapshot: jsonb('snapshot').notNull(),
    version: bigint('version', { mode: 'number' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull(),
  },
  (t) => [
    index('profiles_identifiers_idx').using(
      'gin',
      sql`(${t.snapshot} -> 'profile' -> 'identifiers') jsonb_path_ops`,
    ),
  ],
);

/**
 * One deletion fence per erased profile (subgraphs/profile/delete-profile.ts, ADR 0005): the
 * profile's events below `offsets[partition]` of the events topic are erased, so the archiver
 * and the snapshot consumer drop what is still in flight of them. Kept (a row per erased
 * person, no personal data but the id) while the events topic may still hold such events.
 */
export const erasures = pgTable('erasures', {
  profileId: text('profile_id').primaryKey(),
  /** The fence's id, the same as in Redis: a repeated deletion has a new one. */
  fenceId: text('fence_id').notNull(),
  /** Per partition of the events topic (as a string), the first offset not erased. */
  offsets: jsonb('offsets').$type<Record<string, number>>().notNull(),
  erasedAt: timestamp('erased_at', { withTimezone: true, mode: 'string' }).notNull(),
});

export type EventRow = typeof events.$inferInsert;
export type ArchivedEventRow = typeof events.$inferSelect;
export type EventKeyRow = typeof eventKeys.$inferInsert;
export type ProfileRow = typeof profiles.$inferInsert;
export type ErasureRow = typeof erasures.$inferInsert;

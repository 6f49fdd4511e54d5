import {
  bigint,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';

/**
 * Every accepted raw event, exactly once. The table is partitioned by the month of `timestamp`
 * (see migration 0001: drizzle-kit cannot express declarative partitioning), so the dedupe key
 * must contain the partition key: (message_id, timestamp). That is still "once per message id"
 * because ingest stamps `timestamp` once, before the event reaches Kafka, and every
 * redelivery carries the same bytes.
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
    primaryKey({ name: 'events_pkey', columns: [t.messageId, t.timestamp] }),
    index('events_profile_newest_idx').on(t.profileId, t.timestamp.desc(), t.messageId.desc()),
    // BRIN: time ranges within a month partition for a few pages of index, almost free to keep.
    index('events_timestamp_brin').using('brin', t.timestamp),
  ],
);

/** Latest profile snapshot per profile, fed from the compacted changelog. */
export const profiles = pgTable('profiles', {
  profileId: text('profile_id').primaryKey(),
  /** The `StoredProfile` (profile + applied-offset watermarks) as the processor published it. */
  snapshot: jsonb('snapshot').notNull(),
  version: bigint('version', { mode: 'number' }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull(),
});

export type EventRow = typeof events.$inferInsert;
export type ArchivedEventRow = typeof events.$inferSelect;
export type ProfileRow = typeof profiles.$inferInsert;

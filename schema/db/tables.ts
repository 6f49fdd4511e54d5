import { bigint, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** Every accepted raw event, exactly once (message_id is the dedupe key). */
export const events = pgTable(
  'events',
  {
    messageId: text('message_id').primaryKey(),
    type: text('type').notNull(),
    /** `event` for track, `name` for page/screen. */
    name: text('name'),
    profileId: text('profile_id').notNull(),
    userId: text('user_id'),
    anonymousId: text('anonymous_id'),
    properties: jsonb('properties').$type<Record<string, unknown>>(),
    traits: jsonb('traits').$type<Record<string, unknown>>(),
    context: jsonb('context').$type<Record<string, unknown>>(),
    timestamp: timestamp('timestamp', { withTimezone: true, mode: 'string' }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true, mode: 'string' }).notNull(),
    sourcePartition: integer('source_partition').notNull(),
    sourceOffset: bigint('source_offset', { mode: 'number' }).notNull(),
  },
  (t) => [
    index('events_profile_newest_idx').on(t.profileId, t.timestamp.desc(), t.messageId.desc()),
    index('events_timestamp_idx').on(t.timestamp),
  ],
);

/** Latest profile snapshot per profile, fed from the compacted changelog. */
export const profiles = pgTable('profiles', {
  profileId: text('profile_id').primaryKey(),
  snapshot: jsonb('snapshot').notNull(),
  version: bigint('version', { mode: 'number' }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull(),
});

export type EventRow = typeof events.$inferInsert;

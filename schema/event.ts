import { z } from 'zod';

/** The Segment tracking spec's call types. */
export const EVENT_TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Segment's limits: https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/#max-request-size */
export const MAX_EVENT_BYTES = 32 * 1024; // 32 KB per event
export const MAX_BATCH_BYTES = 500 * 1024; // 500 KB per batch request
export const MAX_BATCH_EVENTS = 2_500;
/**
 * Largest event the processor accepts from the topic: the client's 32 KB plus what ingest
 * stamps onto it (messageId, timestamp, receivedAt), so nothing ingest accepted is refused later.
 */
export const MAX_STORED_EVENT_BYTES = MAX_EVENT_BYTES + 1_024; // 33 KB

/**
 * The window every event time must fall in (timestamp, originalTimestamp, sentAt, receivedAt):
 * from 2000-01-01T00:00:00.000Z inclusive to 2100-01-01T00:00:00.000Z exclusive. Outside it a
 * time is a broken clock or a unit mistake (seconds for milliseconds), and the archive keeps one
 * PostgreSQL partition per month, so the window also bounds the partitions an event can ask for.
 */
export const EVENT_TIME_FROM_MS = Date.UTC(2000, 0, 1); // 2000-01-01T00:00:00.000Z, inclusive
export const EVENT_TIME_TO_MS = Date.UTC(2100, 0, 1); // 2100-01-01T00:00:00.000Z, exclusive
export const EVENT_TIME_WINDOW = {
  from: new Date(EVENT_TIME_FROM_MS).toISOString(),
  to: new Date(EVENT_TIME_TO_MS).toISOString(),
} as const;
/**
 * How far the (skew-corrected) timestamp may lie after receivedAt: a day covers any time zone
 * mistake, and a profile's lastSeenAt cannot be pinned far in the future.
 */
export const MAX_TIMESTAMP_AHEAD_MS = 24 * 60 * 60 * 1_000; // 24 hours

const jsonObject = z.record(z.string(), z.unknown());
const isoDate = z.iso.datetime({ offset: true, local: false });

const common = {
  messageId: z.string().min(1).max(200).optional(),
  userId: z.string().min(1).max(200).optional(),
  anonymousId: z.string().min(1).max(200).optional(),
  context: jsonObject.optional(),
  integrations: jsonObject.optional(),
  timestamp: isoDate.optional(),
  originalTimestamp: isoDate.optional(),
  sentAt: isoDate.optional(),
};

const track = z.object({
  type: z.literal('track'),
  event: z.string().min(1).max(200),
  properties: jsonObject.optional(),
  ...common,
});
const identify = z.object({
  type: z.literal('identify'),
  traits: jsonObject.optional(),
  ...common,
});
/** What page and screen calls carry: a view, named and categorised. */
const viewed = {
  name: z.string().max(200).optional(),
  category: z.string().max(200).optional(),
  properties: jsonObject.optional(),
  ...common,
};
const page = z.object({ type: z.literal('page'), ...viewed });
const screen = z.object({ type: z.literal('screen'), ...viewed });
const group = z.object({
  type: z.literal('group'),
  groupId: z.string().min(1).max(200),
  traits: jsonObject.optional(),
  ...common,
});
const alias = z.object({
  type: z.literal('alias'),
  previousId: z.string().min(1).max(200),
  ...common,
});

/** Segment's identity rule: every call names a user or an anonymous visitor. */
const hasIdentity = (event: { userId?: string | undefined; anonymousId?: string | undefined }) =>
  event.userId !== undefined || event.anonymousId !== undefined;
const identityIssue = { message: 'userId or anonymousId is required', path: ['userId'] };

/** One incoming Segment call as a client sends it (before PulseHub stamps it). */
export const incomingEventSchema = z
  .discriminatedUnion('type', [track, identify, page, screen, group, alias])
  .refine(hasIdentity, identityIssue);

/** On the topic, receivedAt may come from the producer or, when absent, from the record. */
const unstamped = { receivedAt: isoDate.optional() };

/**
 * One event on the topic as any producer may write it: a call as a client sends it, optionally
 * with what ingest stamps. The consumers fill what is missing from the Kafka record
 * (events/decode.ts), so an outside producer (kcat, Kafka Connect) needs no PulseHub code.
 * The published JSON Schema (schema/event.schema.json) is generated from this one.
 */
export const topicEventSchema = z
  .discriminatedUnion('type', [
    track.extend(unstamped),
    identify.extend(unstamped),
    page.extend(unstamped),
    screen.extend(unstamped),
    group.extend(unstamped),
    alias.extend(unstamped),
  ])
  .refine(hasIdentity, identityIssue);

/** What ingest stamps onto every call before it goes to Kafka. */
const stamped = {
  messageId: z.string().min(1).max(200),
  timestamp: isoDate,
  receivedAt: isoDate,
};

/**
 * An event as ingest writes it to Kafka and as the consumers hand it on: a valid call plus what
 * ingest stamps. Each call type is extended rather than the union intersected:
 * an intersection parses every event twice and merges the results, this parses it once.
 */
export const activityEventSchema = z
  .discriminatedUnion('type', [
    track.extend(stamped),
    identify.extend(stamped),
    page.extend(stamped),
    screen.extend(stamped),
    group.extend(stamped),
    alias.extend(stamped),
  ])
  .refine(hasIdentity, identityIssue);

export type IncomingEvent = z.infer<typeof incomingEventSchema>;

/** An event as a producer wrote it to the topic, before the consumers filled in the rest. */
export type TopicEvent = z.infer<typeof topicEventSchema>;

/** An event as it travels on Kafka: always with messageId, timestamp and receivedAt. */
export type ActivityEvent = z.infer<typeof activityEventSchema>;

/** The profile an event belongs to: Segment's identity rule, userId before anonymousId. */
export function profileIdOf(event: Pick<IncomingEvent, 'userId' | 'anonymousId'>): string {
  const id = event.userId ?? event.anonymousId;
  if (id === undefined) throw new Error('event has neither userId nor anonymousId');
  return id;
}

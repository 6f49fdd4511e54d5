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

/** What ingest stamps onto every call before it goes to Kafka. */
const stamped = {
  messageId: z.string().min(1).max(200),
  timestamp: isoDate,
  receivedAt: isoDate,
};

/**
 * An event as ingest writes it to Kafka: a valid call plus what ingest stamps. The processor
 * re-validates every message against this, since bytes on the topic may come from producers
 * other than PulseHub's ingest. Each call type is extended rather than the union intersected:
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

/** An event as it travels on Kafka: always with messageId, timestamp and receivedAt. */
export type ActivityEvent = z.infer<typeof activityEventSchema>;

/** The profile an event belongs to: Segment's identity rule, userId before anonymousId. */
export function profileIdOf(event: Pick<IncomingEvent, 'userId' | 'anonymousId'>): string {
  const id = event.userId ?? event.anonymousId;
  if (id === undefined) throw new Error('event has neither userId nor anonymousId');
  return id;
}

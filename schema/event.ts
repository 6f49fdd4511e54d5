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

/** One incoming Segment call as a client sends it (before PulseHub stamps it). */
export const incomingEventSchema = z
  .discriminatedUnion('type', [
    z.object({
      type: z.literal('track'),
      event: z.string().min(1).max(200),
      properties: jsonObject.optional(),
      ...common,
    }),
    z.object({ type: z.literal('identify'), traits: jsonObject.optional(), ...common }),
    z.object({
      type: z.literal('page'),
      name: z.string().max(200).optional(),
      category: z.string().max(200).optional(),
      properties: jsonObject.optional(),
      ...common,
    }),
    z.object({
      type: z.literal('screen'),
      name: z.string().max(200).optional(),
      category: z.string().max(200).optional(),
      properties: jsonObject.optional(),
      ...common,
    }),
    z.object({
      type: z.literal('group'),
      groupId: z.string().min(1).max(200),
      traits: jsonObject.optional(),
      ...common,
    }),
    z.object({ type: z.literal('alias'), previousId: z.string().min(1).max(200), ...common }),
  ])
  .refine((e) => e.userId !== undefined || e.anonymousId !== undefined, {
    message: 'userId or anonymousId is required',
    path: ['userId'],
  });

/**
 * An event as ingest writes it to Kafka: a valid call plus what ingest stamps. The processor
 * re-validates every message against this, since bytes on the topic may come from producers
 * other than PulseHub's ingest.
 */
export const activityEventSchema = z.intersection(
  incomingEventSchema,
  z.object({
    messageId: z.string().min(1).max(200),
    timestamp: isoDate,
    receivedAt: isoDate,
  }),
);

export type IncomingEvent = z.infer<typeof incomingEventSchema>;

/** An event as it travels on Kafka: always with messageId, timestamp and receivedAt. */
export type ActivityEvent = z.infer<typeof activityEventSchema>;

/** The profile an event belongs to: Segment's identity rule, userId before anonymousId. */
export function profileIdOf(event: Pick<IncomingEvent, 'userId' | 'anonymousId'>): string {
  const id = event.userId ?? event.anonymousId;
  if (id === undefined) throw new Error('event has neither userId nor anonymousId');
  return id;
}

import { profileIdOf, type ActivityEvent } from '../event.ts';
import type { ArchivedEventRow, EventRow } from './tables.ts';

/** Event fields that have a column of their own; everything else travels in `extra`. */
const COLUMN_FIELDS = new Set([
  'messageId',
  'type',
  'event',
  'name',
  'userId',
  'anonymousId',
  'properties',
  'traits',
  'context',
  'timestamp',
  'receivedAt',
]);

/**
 * The archive row of an event: the searchable columns pulled out, the rest kept as jsonb, so
 * `fromEventRow` gives back the event exactly (the rebuild replays archived events).
 */
export function toEventRow(event: ActivityEvent, partition: number, offset: number): EventRow {
  const name =
    event.type === 'track'
      ? event.event
      : event.type === 'page' || event.type === 'screen'
        ? (event.name ?? null)
        : null;
  // A plain loop: this runs for every archived event.
  const extra: Record<string, unknown> = {};
  for (const key in event) {
    const value = (event as Record<string, unknown>)[key];
    if (!COLUMN_FIELDS.has(key) && value !== undefined) extra[key] = value;
  }
  return {
    messageId: event.messageId,
    type: event.type,
    name,
    profileId: profileIdOf(event),
    userId: event.userId ?? null,
    anonymousId: event.anonymousId ?? null,
    properties: 'properties' in event ? (event.properties ?? null) : null,
    traits: 'traits' in event ? (event.traits ?? null) : null,
    context: event.context ?? null,
    extra: Object.keys(extra).length > 0 ? extra : null,
    timestamp: event.timestamp,
    receivedAt: event.receivedAt,
    sourcePartition: partition,
    sourceOffset: offset,
  };
}

/** The event an archived row was made from (timestamps back in ingest's ISO 8601 UTC form). */
export function fromEventRow(row: ArchivedEventRow): ActivityEvent {
  const event: Record<string, unknown> = {
    ...(row.extra ?? {}),
    type: row.type,
    messageId: row.messageId,
    timestamp: new Date(row.timestamp).toISOString(),
    receivedAt: new Date(row.receivedAt).toISOString(),
  };
  if (row.userId !== null) event['userId'] = row.userId;
  if (row.anonymousId !== null) event['anonymousId'] = row.anonymousId;
  if (row.type === 'track') event['event'] = row.name;
  else if ((row.type === 'page' || row.type === 'screen') && row.name !== null)
    event['name'] = row.name;
  if (row.properties !== null) event['properties'] = row.properties;
  if (row.traits !== null) event['traits'] = row.traits;
  if (row.context !== null) event['context'] = row.context;
  return event as ActivityEvent;
}

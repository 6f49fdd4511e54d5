import { profileIdOf, type ActivityEvent } from '../schema/event.ts';
import type { EventRow } from '../schema/db/tables.ts';

/** The archive row of an event: the searchable columns pulled out, the rest kept as jsonb. */
export function toEventRow(event: ActivityEvent, partition: number, offset: number): EventRow {
  const name =
    event.type === 'track'
      ? event.event
      : event.type === 'page' || event.type === 'screen'
        ? (event.name ?? null)
        : null;
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
    timestamp: event.timestamp,
    receivedAt: event.receivedAt,
    sourcePartition: partition,
    sourceOffset: offset,
  };
}

import { profileIdOf, type ActivityEvent } from '../schema/event.ts';

/**
 * An applied event as the Activity subgraph lists it: exactly the fields of an `Activity`
 * (schema/subgraphs/activity.graphql), spelled as the archive gives them back (name as
 * schema/db/event-row.ts derives it, times in ISO 8601 UTC). The processor pushes these to
 * `recent:{id}` (schema/redis-keys.ts) in the profile's own write, so an event is listed from
 * the moment its change is announced, before the archiver stored it.
 */
export interface RecentActivity {
  messageId: string;
  /** The event's key (its userId, else its anonymousId), as the archive's `profile_id`. */
  profileId: string;
  type: string;
  name: string | null;
  timestamp: string;
  receivedAt: string;
  properties: Record<string, unknown> | null;
  traits: Record<string, unknown> | null;
  context: Record<string, unknown> | null;
}

/** How the processor keeps the lists (processor.yml `recentActivity`). */
export interface RecentActivitySettings {
  /** Entries kept per profile, the most recently applied; 0: no list is written. */
  size: number;
  /** Seconds a list lives after its last push: it only bridges the archive's lag. */
  ttlSeconds: number;
}

/** `YYYY-MM-DDTHH:mm:ss.sssZ`: what ingest stamps, and the form archive rows are read back in. */
const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A valid time in that form; the text itself when it is already (no Date per event). */
const isoTime = (text: string): string =>
  CANONICAL_TIME.test(text) ? text : new Date(text).toISOString();

const objectOrNull = (value: unknown): Record<string, unknown> | null =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;

/** The activity an applied event is listed as. */
export function recentActivityOf(event: ActivityEvent): RecentActivity {
  const name =
    event.type === 'track'
      ? event.event
      : event.type === 'page' || event.type === 'screen'
        ? (event.name ?? null)
        : null;
  return {
    messageId: event.messageId,
    profileId: profileIdOf(event),
    type: event.type,
    name,
    timestamp: isoTime(event.timestamp),
    receivedAt: isoTime(event.receivedAt),
    properties: 'properties' in event ? objectOrNull(event.properties) : null,
    traits: 'traits' in event ? objectOrNull(event.traits) : null,
    context: objectOrNull(event.context),
  };
}

const isText = (value: unknown): value is string => typeof value === 'string';

/**
 * An entry of a recent-activity list, or undefined when it is not one (written by another
 * version, or not by PulseHub): a reader skips it, the archive still lists the event.
 */
export function parseRecentActivity(text: string): RecentActivity | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const entry = objectOrNull(json);
  if (entry === null) return undefined;
  const { messageId, profileId, type, name, timestamp, receivedAt } = entry;
  if (!isText(messageId) || !isText(profileId) || !isText(type)) return undefined;
  if (name !== null && !isText(name)) return undefined;
  if (!isText(timestamp) || !isText(receivedAt)) return undefined;
  if (Number.isNaN(Date.parse(timestamp)) || Number.isNaN(Date.parse(receivedAt))) return undefined;
  return {
    messageId,
    profileId,
    type,
    name,
    timestamp: isoTime(timestamp),
    receivedAt: isoTime(receivedAt),
    properties: objectOrNull(entry['properties']),
    traits: objectOrNull(entry['traits']),
    context: objectOrNull(entry['context']),
  };
}

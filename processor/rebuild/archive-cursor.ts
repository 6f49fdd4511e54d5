import type pg from 'pg';
import { fromEventRow } from '../../schema/db/event-row.ts';
import type { ArchivedEventRow } from '../../schema/db/tables.ts';
import type { ActivityEvent } from '../../schema/event.ts';
import type { EventPosition } from '../apply-event.ts';
import { loadIdentityGraph, parsePersonIdentity, type PersonIdentity } from './identity-graph.ts';

export interface ArchivedEvent {
  /** The person the event belongs to: the canonical profile id its key resolves to. */
  personId: string;
  /** The event's own key (its archived profile id). */
  profileId: string;
  event: ActivityEvent;
  position: EventPosition;
  /** The identity the person's snapshot records; absent for a person of one identifier. */
  identity?: PersonIdentity | undefined;
}

export interface ArchiveReplayOptions {
  /** Only the persons of these identifiers (any identifier selects its whole person). */
  profileIds?: readonly string[] | undefined;
  /** Rows per cursor fetch (default 5,000). */
  fetchSize?: number;
  /** Told, once the identity graph is loaded, how many events the named persons have. */
  onSelectedCount?(events: number): void;
}

interface RawRow {
  message_id: string;
  type: string;
  name: string | null;
  profile_id: string;
  user_id: string | null;
  anonymous_id: string | null;
  properties: Record<string, unknown> | null;
  traits: Record<string, unknown> | null;
  context: Record<string, unknown> | null;
  extra: Record<string, unknown> | null;
  timestamp: Date;
  received_at: Date;
  source_partition: number;
  source_offset: string;
  person_id: string;
  identity?: unknown;
}

function toArchivedRow(raw: RawRow): ArchivedEventRow {
  return {
    messageId: raw.message_id,
    type: raw.type,
    name: raw.name,
    profileId: raw.profile_id,
    userId: raw.user_id,
    anonymousId: raw.anonymous_id,
    properties: raw.properties,
    traits: raw.traits,
    context: raw.context,
    extra: raw.extra,
    timestamp: raw.timestamp.toISOString(),
    receivedAt: raw.received_at.toISOString(),
    sourcePartition: raw.source_partition,
    sourceOffset: Number(raw.source_offset),
  };
}

/**
 * The two reads of the replay. A person of one identifier (most of them) is read in
 * `events_profile_newest_idx` order, anti-joined against the identity graph, and sorted only
 * within each profile (incremental sort), as before identities: no sort of the whole table.
 * The events of persons with several identifiers are joined to the graph and sorted by
 * canonical id, a sort of those events only: first the events keyed by the canonical id, then
 * each other identifier's, each in Kafka order (source partition, then offset), so their
 * watermarks come out right. The canonical id's own stream first gives its anonymousIds in the
 * order the processor added them: a merge appends the merged profile's ids after the survivor's.
 */
function replayQueries(selected: boolean): string[] {
  const singles = selected ? 'and e.profile_id = any($1::text[])' : '';
  const persons = selected
    ? 'and g.canonical in (select canonical from rebuild_identities where identifier = any($1::text[]))'
    : '';
  return [
    `select e.*, e.profile_id as person_id from events e
     where not exists (select from rebuild_identities g where g.identifier = e.profile_id) ${singles}
     order by e.profile_id, e.source_partition, e.source_offset`,
    `select e.*, g.canonical as person_id, p.identity from events e
     join rebuild_identities g on g.identifier = e.profile_id
     join rebuild_persons p on p.canonical = g.canonical
     where true ${persons}
     order by g.canonical, e.profile_id <> g.canonical, e.profile_id, e.source_partition, e.source_offset`,
  ];
}

/** How many events the named persons have, all their identifiers included. */
async function selectedCount(client: pg.PoolClient, profileIds: readonly string[]) {
  const { rows } = await client.query<{ n: number }>(
    `select count(*)::int as n from events
     where profile_id = any($1::text[])
        or profile_id in (select identifier from rebuild_identities where canonical in
             (select canonical from rebuild_identities where identifier = any($1::text[])))`,
    [profileIds],
  );
  return rows[0]?.n ?? 0;
}

/**
 * Streams archived events grouped by person (docs/identity.md): all the events of every
 * identifier of a person together, under its canonical id, in Kafka order. Server-side
 * cursors in one repeatable-read transaction fetch `fetchSize` rows at a time, so memory
 * stays flat however large the archive is; the identity graph is loaded from the snapshot
 * table in the same transaction (identity-graph.ts), so both are one view of the database.
 */
export async function* archivedEvents(
  pool: pg.Pool,
  options: ArchiveReplayOptions = {},
): AsyncGenerator<ArchivedEvent> {
  const fetchSize = options.fetchSize ?? 5_000;
  const client = await pool.connect();
  let failed = false;
  let committed = false;
  try {
    // Not read only: the identity graph goes into temp tables, dropped at commit.
    await client.query('begin transaction isolation level repeatable read');
    await loadIdentityGraph(client);
    const { profileIds } = options;
    if (profileIds !== undefined)
      options.onSelectedCount?.(await selectedCount(client, profileIds));
    const parameters = profileIds === undefined ? [] : [profileIds];
    for (const [index, query] of replayQueries(profileIds !== undefined).entries()) {
      const cursor = `archive_replay_${index}`;
      await client.query(`declare ${cursor} no scroll cursor for ${query}`, parameters);
      for (;;) {
        const { rows } = await client.query<RawRow>(`fetch ${fetchSize} from ${cursor}`);
        for (const raw of rows) {
          const row = toArchivedRow(raw);
          yield {
            personId: raw.person_id,
            profileId: row.profileId,
            event: fromEventRow(row),
            position: { partition: row.sourcePartition, offset: row.sourceOffset },
            identity: raw.identity === undefined ? undefined : parsePersonIdentity(raw.identity),
          };
        }
        if (rows.length < fetchSize) break;
      }
      await client.query(`close ${cursor}`);
    }
    await client.query('commit');
    committed = true;
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    // A consumer that stopped early (break) leaves the transaction open: end it either way.
    if (!failed && !committed) await client.query('rollback').catch(() => undefined);
    client.release(failed);
  }
}

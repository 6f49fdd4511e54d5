import type pg from 'pg';
import { fromEventRow } from '../../schema/db/event-row.ts';
import type { ArchivedEventRow } from '../../schema/db/tables.ts';
import type { ActivityEvent } from '../../schema/event.ts';
import type { EventPosition } from '../apply-event.ts';

export interface ArchivedEvent {
  profileId: string;
  event: ActivityEvent;
  position: EventPosition;
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
 * Streams archived events grouped by profile, each profile's events in Kafka order (source
 * partition, then offset): the order the processor applied them. A server-side cursor in one
 * read-only snapshot fetches `fetchSize` rows at a time, so memory stays flat however large
 * the archive is. PostgreSQL walks the profile index and sorts only within each profile
 * (incremental sort), so no sort of the whole table happens either.
 */
export async function* archivedEvents(
  pool: pg.Pool,
  options: { profileIds?: readonly string[] | undefined; fetchSize?: number } = {},
): AsyncGenerator<ArchivedEvent> {
  const fetchSize = options.fetchSize ?? 5_000;
  const client = await pool.connect();
  let failed = false;
  let committed = false;
  try {
    await client.query('begin transaction isolation level repeatable read read only');
    const filter = options.profileIds === undefined ? '' : 'where profile_id = any($1::text[])';
    await client.query(
      `declare archive_replay no scroll cursor for
       select * from events ${filter}
       order by profile_id, source_partition, source_offset`,
      options.profileIds === undefined ? [] : [options.profileIds],
    );
    for (;;) {
      const { rows } = await client.query<RawRow>(`fetch ${fetchSize} from archive_replay`);
      for (const raw of rows) {
        const row = toArchivedRow(raw);
        yield {
          profileId: row.profileId,
          event: fromEventRow(row),
          position: { partition: row.sourcePartition, offset: row.sourceOffset },
        };
      }
      if (rows.length < fetchSize) break;
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

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveRows } from '../archiver/archive-rows.ts';
import { createPartitionKeeper, type PartitionKeeper } from '../archiver/partitions.ts';
import { createLogger } from '../lib/logger.ts';
import { createPostgresComponent } from '../lib/postgres.ts';
import { toEventRow } from '../schema/db/event-row.ts';
import { archiveProbe, type ArchiveProbe } from './support/archive.ts';
import { createSandbox, type Sandbox } from './support/isolation.ts';
import { syntheticEvents } from './support/event-stream.ts';

describe('cold path: monthly partitions of the archive', () => {
  let sandbox: Sandbox;
  let postgres: ReturnType<typeof createPostgresComponent>;
  let archive: ArchiveProbe;
  let keeper: PartitionKeeper;

  const partitionNames = async () =>
    (
      await archive.query<{ name: string }>(
        `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
         where i.inhparent = 'events'::regclass order by 1`,
      )
    ).map((row) => row.name);
  const rowsAt = (tag: string, timestamps: string[]) =>
    syntheticEvents(0, timestamps.length, 2, tag).map((event, i) =>
      toEventRow(
        { ...event, timestamp: timestamps[i] as string, receivedAt: timestamps[i] as string },
        0,
        i,
      ),
    );

  const keyTimes = async (prefix: string) =>
    (
      await archive.query<{ timestamp: Date }>(
        `select timestamp from event_keys where message_id like $1 || '%' order by 1`,
        [prefix],
      )
    ).map((row) => row.timestamp.toISOString());
  const boundsOf = async (name: string) =>
    (
      await archive.query<{ bound: string }>(
        'select pg_get_expr(relpartbound, oid) as bound from pg_class where relname = $1',
        [name],
      )
    )[0]?.bound;

  beforeAll(async () => {
    sandbox = await createSandbox({ partitions: 1 });
    postgres = createPostgresComponent(sandbox.databaseUrl, 2);
    archive = archiveProbe(sandbox);
    keeper = createPartitionKeeper(
      postgres.db,
      { aheadMonths: 2, retentionMonths: 3, checkIntervalMs: 3_600_000 },
      createLogger('partitions-test', 'warn'),
    );
  });
  afterAll(async () => {
    await postgres?.stop();
    await archive?.close();
    await sandbox?.dispose();
  });

  it('creates the month an event needs, and dedupes across months', async () => {
    const rows = rowsAt(sandbox.id, [
      '2025-01-10T00:00:00.000Z',
      '2026-06-10T00:00:00.000Z',
      '2026-09-10T00:00:00.000Z',
      '2026-11-10T00:00:00.000Z',
    ]);
    expect(await archiveRows(postgres, keeper, rows)).toEqual({
      inserted: 4,
      duplicates: 0,
      rejected: [],
    });
    expect(await archiveRows(postgres, keeper, rows)).toEqual({
      inserted: 0,
      duplicates: 4,
      rejected: [],
    });
    expect(await partitionNames()).toEqual(
      expect.arrayContaining([
        'events_y2025m01',
        'events_y2026m06',
        'events_y2026m09',
        'events_y2026m11',
      ]),
    );
  });

  it('prepares months ahead and drops months past the retention', async () => {
    const result = await keeper.maintain(new Date('2026-11-15T12:00:00.000Z'));
    expect(result.dropped.sort()).toEqual(['events_y2025m01', 'events_y2026m06']);
    const names = await partitionNames();
    expect(names).toEqual(
      expect.arrayContaining([
        'events_y2026m09',
        'events_y2026m11',
        'events_y2026m12',
        'events_y2027m01',
      ]),
    );
    expect(names).not.toContain('events_y2025m01');
    expect((await archive.counts(sandbox.id)).rows).toBe(2);
    // The dropped months' dedupe keys went with them; the kept months' stay.
    expect(await keyTimes(sandbox.id)).toEqual([
      '2026-09-10T00:00:00.000Z',
      '2026-11-10T00:00:00.000Z',
    ]);
  });

  it('recreates a month dropped behind its back', async () => {
    await archive.query('drop table events_y2026m09');
    const rows = rowsAt(`${sandbox.id}-late`, [
      '2026-09-20T00:00:00.000Z',
      '2026-11-20T00:00:00.000Z',
    ]);
    expect(await archiveRows(postgres, keeper, rows)).toEqual({
      inserted: 2,
      duplicates: 0,
      rejected: [],
    });
  });

  it('creates the first and last months ingest lets through, 2000-01 and 2099-12', async () => {
    const rows = rowsAt(`${sandbox.id}-edges`, [
      '2000-01-01T00:00:00.000Z',
      '2099-12-31T23:59:59.999Z',
    ]);
    expect(await archiveRows(postgres, keeper, rows)).toEqual({
      inserted: 2,
      duplicates: 0,
      rejected: [],
    });
    expect(await boundsOf('events_y2000m01')).toBe(
      "FOR VALUES FROM ('2000-01-01 00:00:00+00') TO ('2000-02-01 00:00:00+00')",
    );
    expect(await boundsOf('events_y2099m12')).toBe(
      "FOR VALUES FROM ('2099-12-01 00:00:00+00') TO ('2100-01-01 00:00:00+00')",
    );
  });

  it('dead-letters an event whose month cannot have a partition, instead of retrying it', async () => {
    // A stray partition overlapping June 2098: PostgreSQL refuses to create the month.
    await archive.query(
      `create table events_stray partition of events
       for values from ('2098-05-15T00:00:00Z') to ('2098-06-15T00:00:00Z')`,
    );
    const rows = rowsAt(`${sandbox.id}-unplaceable`, [
      '2098-06-20T00:00:00.000Z',
      '0000-06-20T00:00:00.000Z', // no four-digit bounds: never partitioned
      '2098-07-20T00:00:00.000Z',
    ]);
    const outcome = await archiveRows(postgres, keeper, rows);
    expect(outcome).toMatchObject({ inserted: 1, duplicates: 0 });
    expect(outcome.rejected.map((refused) => refused.offset)).toEqual([0, 1]);
    expect(outcome.rejected[0]?.reason).toMatch(/^archive refused the event: 23514: no partition/);
    expect(await partitionNames()).not.toContain('events_y2098m06');
    expect(await keyTimes(`${sandbox.id}-unplaceable`)).toEqual(['2098-07-20T00:00:00.000Z']);
  });
});

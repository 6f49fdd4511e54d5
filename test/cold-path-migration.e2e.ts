import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../schema/db/migrate.ts';
import { archiveProbe, type ArchiveProbe } from './support/archive.ts';
import { createSandbox, type Sandbox } from './support/isolation.ts';

/**
 * An archive from before event_keys (keyed by (message_id, timestamp), so holding client retries
 * twice) migrates to one row and one key per (profile id, message id).
 */
describe('cold path: migrating an archive to the (profile id, message id) key', () => {
  let sandbox: Sandbox;
  let archive: ArchiveProbe;

  beforeAll(async () => {
    sandbox = await createSandbox({ partitions: 1 });
    archive = archiveProbe(sandbox);
  });
  afterAll(async () => {
    await archive?.close();
    await sandbox?.dispose();
  });

  it('keeps the first stored copy of each event and gives every event its key', async () => {
    // Back to the schema of migration 0002, as an installation upgrading finds it: the tables
    // of 0003 (event_keys) and of every later migration (0004: erasures, 0005: the identifiers
    // index) go, and so do their records in drizzle's journal.
    await archive.query(`drop table event_keys`);
    await archive.query(`drop table erasures`);
    await archive.query(`drop index profiles_identifiers_idx`);
    await archive.query(
      `alter table events add constraint events_pkey primary key (message_id, timestamp)`,
    );
    await archive.query(
      `delete from drizzle.__drizzle_migrations where id in
         (select id from drizzle.__drizzle_migrations order by created_at desc limit 3)`,
    );
    await archive.query(
      `create table if not exists events_y2026m10 partition of events
       for values from ('2026-10-01T00:00:00Z') to ('2026-11-01T00:00:00Z')`,
    );
    await archive.query(
      `create table if not exists events_y2026m11 partition of events
       for values from ('2026-11-01T00:00:00Z') to ('2026-12-01T00:00:00Z')`,
    );
    // m1 was retried twice (new timestamps from ingest, one in another month), m2 by another
    // profile reusing the message id, m3 once.
    const row = (profile: string, message: string, at: string, offset: number) =>
      archive.query(
        `insert into events (message_id, type, name, profile_id, user_id, timestamp, received_at,
           source_partition, source_offset)
         values ($1, 'track', 'e', $2, $2, $3, $3, 0, $4)`,
        [`${sandbox.id}-${message}`, `${sandbox.id}-${profile}`, at, offset],
      );
    await row('p1', 'm1', '2026-10-31T23:59:59.000Z', 0);
    await row('p1', 'm1', '2026-11-01T00:00:03.000Z', 1);
    await row('p1', 'm1', '2026-11-01T00:00:09.000Z', 2);
    await row('p1', 'm2', '2026-11-02T00:00:00.000Z', 3);
    await row('p2', 'm2', '2026-11-02T00:00:01.000Z', 4);
    await row('p1', 'm3', '2026-11-03T00:00:00.000Z', 5);

    await runMigrations(sandbox.databaseUrl);

    const rows = await archive.query<{ offset: number }>(
      `select source_offset::int as offset from events where message_id like $1 || '%'
       order by 1`,
      [sandbox.id],
    );
    expect(rows.map((stored) => stored.offset)).toEqual([0, 3, 4, 5]);
    const keys = await archive.query<{ profile_id: string; message_id: string; at: Date }>(
      `select profile_id, message_id, timestamp as at from event_keys order by 2, 1`,
    );
    expect(
      keys.map((key) => [key.profile_id, key.message_id, key.at.toISOString()].join(' ')),
    ).toEqual(
      [
        'p1 m1 2026-10-31T23:59:59.000Z',
        'p1 m2 2026-11-02T00:00:00.000Z',
        'p2 m2 2026-11-02T00:00:01.000Z',
        'p1 m3 2026-11-03T00:00:00.000Z',
      ].map((key) => `${sandbox.id}-${key.replace(' ', ` ${sandbox.id}-`)}`),
    );
    // The old key is gone: a retry's copy now belongs to event_keys alone.
    expect(
      await archive.query(`select 1 from pg_constraint where conname = 'events_pkey'`),
    ).toEqual([]);
  });
});

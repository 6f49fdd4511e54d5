import { randomBytes } from 'node:crypto';
import { connectRedis, primaries, type RedisClient } from '../../lib/redis.ts';
import type { Admin } from 'kafkajs';
import pg from 'pg';
import type { Namespace } from '../../test/support/namespace.ts';
import { benchKafka } from './kafka.ts';

/**
 * What PulseHub wrote while a scenario measured, taken as a difference of two marks:
 *
 * - Kafka: the changelog records produced in between, consumed back and their key and value
 *   bytes summed (the namespace's own topic, so nothing else is counted).
 * - Redis: `total_net_input_bytes` of INFO stats, the bytes every client sent the server:
 *   commands and their arguments (the documents, the notices). Redis 7.0 has no per-client
 *   byte counters, so this is server-wide: the machine's Redis is shared, and in a quiet
 *   window it is PulseHub's writes plus the benchmark's own few reads.
 * - PostgreSQL, per table of the namespace's own database: the rows written
 *   (pg_stat_user_tables `n_tup_ins + n_tup_upd`) times the table's mean stored row size at
 *   the end (the sum of `pg_column_size` of its columns, compressed as stored). `profiles`
 *   holds the snapshots, `events` and `event_keys` the archive.
 * - PostgreSQL WAL (`pg_current_wal_lsn()` difference): every byte the cluster logged, index
 *   entries and full-page images included; cluster-wide, so only for a quiet machine.
 */
export interface Footprint {
  changelogRecords: number;
  changelogBytes: number;
  redisInputBytes: number;
  walBytes: number;
  /** Per table: rows written and their estimated bytes. */
  tables: Record<string, { rows: number; bytes: number }>;
}

export interface FootprintMark {
  changelogOffsets: Record<number, number>;
  eventsProduced: number;
  redisInputBytes: number;
  walLsn: string;
  rowsWritten: Record<string, number>;
}

/** Bytes of a footprint per event, as the scenarios report them. */
export interface BytesPerEvent {
  events: number;
  kafkaChangelog: number;
  redis: number;
  /** The snapshots' table (`profiles`). */
  postgresSnapshots: number;
  /** Every table of the namespace's database (snapshots and archive). */
  postgresTables: number;
  postgresWal: number;
}

export function perEvent(footprint: Footprint, events: number): BytesPerEvent {
  const per = (bytes: number) => (events > 0 ? bytes / events : 0);
  const tableBytes = Object.values(footprint.tables).reduce((sum, table) => sum + table.bytes, 0);
  return {
    events,
    kafkaChangelog: per(footprint.changelogBytes),
    redis: per(footprint.redisInputBytes),
    postgresSnapshots: per(footprint.tables['profiles']?.bytes ?? 0),
    postgresTables: per(tableBytes),
    postgresWal: per(footprint.walBytes),
  };
}

async function highOffsets(admin: Admin, topic: string): Promise<Record<number, number>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return Object.fromEntries(offsets.map((entry) => [entry.partition, Number(entry.high)]));
}

const sum = (values: Iterable<number>) => [...values].reduce((total, value) => total + value, 0);

/** Reads the records `from`..`to` (exclusive) of every partition back and sums their sizes. */
async function recordBytes(
  brokers: string,
  admin: Admin,
  topic: string,
  from: Record<number, number>,
  to: Record<number, number>,
): Promise<number> {
  const pending = new Map(
    Object.entries(to)
      .map(([partition, end]) => [Number(partition), end] as const)
      .filter(([partition, end]) => end > (from[partition] ?? 0)),
  );
  if (pending.size === 0) return 0;
  const groupId = `${topic}-footprint-${randomBytes(3).toString('hex')}`;
  const consumer = benchKafka(brokers, 'pulsehub-bench-footprint').consumer({
    groupId,
    maxBytes: 64 * 1024 * 1024,
  });
  let bytes = 0;
  // The next offset to count per partition: a record fetched twice (before and after the
  // seek) is counted once.
  const next = new Map([...pending.keys()].map((partition) => [partition, from[partition] ?? 0]));
  let finish = (): void => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const end = pending.get(batch.partition);
        if (end === undefined) return;
        for (const message of batch.messages) {
          const offset = Number(message.offset);
          if (offset >= end) break;
          if (offset < (next.get(batch.partition) ?? 0)) continue;
          bytes += (message.key?.length ?? 0) + (message.value?.length ?? 0);
          next.set(batch.partition, offset + 1);
        }
        // A batch that reaches past the range's last offset saw all of it (compaction may
        // have left gaps in offsets, never in what a batch holds).
        if ((next.get(batch.partition) ?? 0) >= end || Number(batch.lastOffset()) >= end - 1)
          pending.delete(batch.partition);
        if (pending.size === 0) finish();
      },
    });
    for (const [partition, offset] of next)
      consumer.seek({ topic, partition, offset: String(offset) });
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`reading ${topic} back took over 5 minutes`)),
        300_000,
      );
    });
    await Promise.race([done, limit]).finally(() => clearTimeout(timer));
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
  return bytes;
}

/** Summed over the primaries: on a cluster each node counts only what it was sent. */
async function redisInputBytes(redis: RedisClient): Promise<number> {
  const perNode = await Promise.all(
    primaries(redis).map(async (node) => {
      const stats = await node.info('stats');
      const match = /total_net_input_bytes:(\d+)/.exec(stats);
      if (!match) throw new Error('INFO stats has no total_net_input_bytes');
      return Number(match[1]);
    }),
  );
  return perNode.reduce((sum, bytes) => sum + bytes, 0);
}

async function rowsWritten(database: pg.Client): Promise<Record<string, number>> {
  // The statistics snapshot of this session would repeat its first answer: take a new one.
  await database.query('select pg_stat_clear_snapshot()');
  const { rows } = await database.query<{ relname: string; written: string }>(
    'select relname, n_tup_ins + n_tup_upd as written from pg_stat_user_tables',
  );
  return Object.fromEntries(rows.map((row) => [row.relname, Number(row.written)]));
}

/** The mean stored size of a table's rows, the sum of its columns' `pg_column_size`. */
async function meanRowBytes(database: pg.Client, table: string): Promise<number> {
  const { rows: columns } = await database.query<{ name: string }>(
    `select column_name as name from information_schema.columns
     where table_schema = current_schema() and table_name = $1`,
    [table],
  );
  if (columns.length === 0) return 0;
  const size = columns
    .map(({ name }) => `coalesce(pg_column_size(${pg.escapeIdentifier(name)}), 0)`)
    .join(' + ');
  const { rows } = await database.query<{ mean: string | null }>(
    `select avg(${size}) as mean from ${pg.escapeIdentifier(table)}`,
  );
  return Number(rows[0]?.mean ?? 0);
}

const SETTLE_STEP_MS = 1_000;
const SETTLE_LIMIT_MS = 60_000;

export interface FootprintProbe {
  mark(): Promise<FootprintMark>;
  /**
   * The footprint since `before`, once the writers have settled: the database's row counters
   * (which PostgreSQL publishes up to a second late) and Redis' input stay unchanged for a
   * second. With the archiver running this also waits for it to catch up.
   */
  since(before: FootprintMark): Promise<{ footprint: Footprint; eventsProduced: number }>;
  close(): Promise<void>;
}

/** `changelogTopic`: where the measured processor writes, by default the namespace's topic. */
export async function createFootprintProbe(
  namespace: Namespace,
  changelogTopic: string = namespace.topics.changelog,
): Promise<FootprintProbe> {
  const admin = benchKafka(namespace.kafkaBrokers).admin();
  await admin.connect();
  const redis = connectRedis(namespace.redisUrl, { lazyConnect: true });
  // Resolves once a cluster client knows its primaries, which redisInputBytes asks.
  await redis.connect();
  const database = new pg.Client({ connectionString: namespace.databaseUrl });
  await database.connect();
  const { events } = namespace.topics;
  const changelog = changelogTopic;

  const mark = async (): Promise<FootprintMark> => {
    const [changelogOffsets, eventOffsets, input, wal, written] = await Promise.all([
      highOffsets(admin, changelog),
      highOffsets(admin, events),
      redisInputBytes(redis),
      database.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn'),
      rowsWritten(database),
    ]);
    return {
      changelogOffsets,
      eventsProduced: sum(Object.values(eventOffsets)),
      redisInputBytes: input,
      walLsn: wal.rows[0]?.lsn ?? '0/0',
      rowsWritten: written,
    };
  };

  const settled = async (): Promise<FootprintMark> => {
    const startedAt = Date.now();
    let previous = await mark();
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, SETTLE_STEP_MS));
      const next = await mark();
      const same =
        sum(Object.values(next.rowsWritten)) === sum(Object.values(previous.rowsWritten)) &&
        sum(Object.values(next.changelogOffsets)) === sum(Object.values(previous.changelogOffsets));
      if (same || Date.now() - startedAt > SETTLE_LIMIT_MS) return next;
      previous = next;
    }
  };

  return {
    mark,
    async since(before) {
      const after = await settled();
      const tables: Footprint['tables'] = {};
      for (const [table, written] of Object.entries(after.rowsWritten)) {
        const rows = written - (before.rowsWritten[table] ?? 0);
        if (rows > 0) tables[table] = { rows, bytes: rows * (await meanRowBytes(database, table)) };
      }
      const { rows: wal } = await database.query<{ bytes: string }>(
        'select pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn) as bytes',
        [after.walLsn, before.walLsn],
      );
      return {
        footprint: {
          changelogRecords:
            sum(Object.values(after.changelogOffsets)) -
            sum(Object.values(before.changelogOffsets)),
          changelogBytes: await recordBytes(
            namespace.kafkaBrokers,
            admin,
            changelog,
            before.changelogOffsets,
            after.changelogOffsets,
          ),
          redisInputBytes: after.redisInputBytes - before.redisInputBytes,
          walBytes: Number(wal[0]?.bytes ?? 0),
          tables,
        },
        eventsProduced: after.eventsProduced - before.eventsProduced,
      };
    },
    async close() {
      await database.end();
      redis.disconnect();
      await admin.disconnect();
    },
  };
}

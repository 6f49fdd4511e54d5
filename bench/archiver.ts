// Archiver insert rate against a bare COPY of the same rows, on this machine:
//   npm run bench:archiver -- [--events 100000] [--partitions 3] [--rounds 3]
// Pre-produces the events to a fresh topic, lets the real archiver (same factory as
// production) drain them into a fresh database, then COPYs the same rows into an emptied
// table with the same partitions and indexes. Also times drizzle's multi-row VALUES insert,
// the obvious alternative to the archiver's single-parameter jsonb_populate_recordset insert.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { archiverConfigSchema } from '../archiver/config.ts';
import { EVENT_COLUMNS, eventRecord } from '../archiver/insert-events.ts';
import { createArchiverService } from '../archiver/service.ts';
import { loadServiceConfig } from '../config/client/load.ts';
import { parseBrokers } from '../lib/kafka/client.ts';
import { ensureTopics } from '../lib/kafka/topics.ts';
import { createLogger } from '../lib/logger.ts';
import { createPostgresComponent } from '../lib/postgres.ts';
import { startService, stopService } from '../lib/service.ts';
import { ensureDatabase, maintenanceUrl } from '../infra/postgres-database.ts';
import { toEventRow } from '../schema/db/event-row.ts';
import { runMigrations } from '../schema/db/migrate.ts';
import { events as eventsTable, type EventRow } from '../schema/db/tables.ts';
import { topicSpecs } from '../schema/topics.ts';
import { syntheticEvents } from '../test/support/event-stream.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string' },
    partitions: { type: 'string' },
    rounds: { type: 'string' },
  },
});
const rounds = Number(values.rounds ?? 3);
const total = Number(values.events ?? 100_000);
const partitions = Number(values.partitions ?? 3);
const brokers = process.env['KAFKA_BROKERS'] ?? 'localhost:9092';
const id = `bench${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const baseUrl = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/pulsehub';
const url = new URL(baseUrl);
url.pathname = `/pulsehub_${id}`;
const databaseUrl = url.toString();
const topics = { events: `${id}.events`, deadLetter: `${id}.dlq`, changelog: `${id}.changelog` };
const rate = (rows: number, ms: number) => Math.round((rows * 1_000) / ms);
const number = new Intl.NumberFormat('en-US');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
const count = async () =>
  (await pool.query<{ n: number }>('select count(*)::int as n from events')).rows[0]?.n ?? 0;

/** One COPY text line of a row, columns in table order. */
function copyLine(row: EventRow): string {
  const field = (value: unknown) => {
    if (value === null) return '\\N';
    const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
    return text.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c] ?? c);
  };
  return `${Object.values(eventRecord(row)).map(field).join('\t')}\n`;
}
const COPY_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
};

try {
  await ensureDatabase(databaseUrl);
  await runMigrations(databaseUrl);
  await ensureTopics(parseBrokers(brokers), topicSpecs(topics, partitions));
  const events = syntheticEvents(0, total, 1_000, id);

  console.log(
    `producing ${number.format(total)} events to ${topics.events} (${partitions} partitions)`,
  );
  const producer = new Kafka({
    clientId: id,
    brokers: parseBrokers(brokers),
    logLevel: logLevel.NOTHING,
  }).producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
  await producer.connect();
  for (let start = 0; start < total; start += 5_000)
    await producer.send({
      topic: topics.events,
      acks: -1,
      messages: events
        .slice(start, start + 5_000)
        .map((e) => ({ key: e.userId ?? null, value: JSON.stringify(e) })),
    });
  await producer.disconnect();

  const rows = events.map((event, i) => toEventRow(event, 0, i));

  // 1. The archiver draining the topic into an empty table, timed from the moment it has
  // joined its group (startService resolves after consumer.run(), which waits for the join).
  // Each round is a new consumer group, so it reads the whole topic again.
  async function archiverRate(round: number): Promise<number> {
    await pool.query('truncate events');
    const config = await loadServiceConfig('archiver', archiverConfigSchema, {
      env: {},
      profiles: [],
      overrides: {
        kafka: { brokers },
        topics: { ...topics, partitions },
        database: { url: databaseUrl },
        consumer: { groupId: `${id}-archiver-${round}` },
        snapshots: { groupId: `${id}-snapshots-${round}` },
        http: { host: '127.0.0.1', port: 0 },
        log: { level: 'warn' },
      },
    });
    const archiver = createArchiverService(config, createLogger('archiver', 'warn'));
    await startService(archiver);
    const joinedAt = performance.now();
    while ((await count()) < total) await sleep(20);
    const result = rate(total, performance.now() - joinedAt);
    await stopService(archiver);
    return result;
  }

  // 2. A bare COPY of the same rows into the emptied table (same partitions and indexes).
  async function copyRate(): Promise<number> {
    await pool.query('truncate events');
    const client = await pool.connect();
    try {
      const started = performance.now();
      const columns = EVENT_COLUMNS.map(([, name]) => `"${name}"`).join(', ');
      await pipeline(
        Readable.from(
          (function* () {
            for (const row of rows) yield copyLine(row);
          })(),
        ),
        client.query(copyFrom(`copy events (${columns}) from stdin`)),
      );
      return rate(total, performance.now() - started);
    } finally {
      client.release();
    }
  }

  // Alternated, so a neighbour's load on this shared machine hits both sides alike.
  const results: Array<{ archiver: number; copy: number }> = [];
  for (let round = 1; round <= rounds; round++) {
    const archiver = await archiverRate(round);
    const copy = await copyRate();
    results.push({ archiver, copy });
    console.log(
      `round ${round}: archiver ${number.format(archiver)} rows/s, COPY ${number.format(copy)} rows/s, ` +
        `${((100 * archiver) / copy).toFixed(0)}%`,
    );
  }

  // 3. drizzle multi-row VALUES, 2,000 rows per statement, on a tenth of the rows.
  await pool.query('truncate events');
  const postgres = createPostgresComponent(databaseUrl, 2);
  const sample = rows.slice(0, Math.max(2_000, Math.floor(total / 10)));
  const valuesStarted = performance.now();
  for (let start = 0; start < sample.length; start += 2_000)
    await postgres.db
      .insert(eventsTable)
      .values(sample.slice(start, start + 2_000))
      .onConflictDoNothing();
  const valuesRate = rate(sample.length, performance.now() - valuesStarted);
  await postgres.stop();

  const median = (values: number[]) => [...values].sort((x, y) => x - y)[values.length >> 1] ?? 0;
  const ratio = median(results.map((r) => r.archiver / r.copy));
  console.log('');
  console.log(
    `| ${number.format(total)} events, ${partitions} partitions, median of ${rounds} | rows/s |`,
  );
  console.log('| --- | --- |');
  console.log(
    `| archiver (Kafka -> PostgreSQL, end to end) | ${number.format(median(results.map((r) => r.archiver)))} |`,
  );
  console.log(
    `| bare COPY of the same rows | ${number.format(median(results.map((r) => r.copy)))} |`,
  );
  console.log(
    `| drizzle multi-row VALUES, 2,000 rows per statement | ${number.format(valuesRate)} |`,
  );
  console.log('');
  console.log(
    `archiver / COPY = ${(100 * ratio).toFixed(0)}% (median of the rounds' ratios; target >= 50%)`,
  );
} finally {
  await pool.end();
  const admin = new pg.Client({ connectionString: maintenanceUrl(databaseUrl) });
  await admin.connect();
  await admin.query(`drop database if exists "pulsehub_${id}" with (force)`);
  await admin.end();
  const kafkaAdmin = new Kafka({
    clientId: id,
    brokers: parseBrokers(brokers),
    logLevel: logLevel.NOTHING,
  }).admin();
  await kafkaAdmin.connect();
  await kafkaAdmin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
  await kafkaAdmin.disconnect();
}

// Baseline (its own process): the archive rows of the same events, written with bare COPYs
// (pg-copy-streams) into an identical, freshly migrated archive: their dedupe keys into
// `event_keys` and the rows into `events`, in one transaction, the least storing them takes.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { getTableColumns, getTableName } from 'drizzle-orm';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { toEventRow } from '../../schema/db/event-row.ts';
import { eventKeys, events } from '../../schema/db/tables.ts';
import { copyLine } from '../../lib/postgres-copy-text.ts';
import { activityEvent, type EventPlan } from '../support/events.ts';
import { runAsWorker } from '../support/worker-side.ts';

export interface CopyRowsSettings {
  databaseUrl: string;
  plan: EventPlan;
  count: number;
}

export interface CopyRowsResult {
  rows: number;
  seconds: number;
  rate: number;
}

const ROWS_PER_CHUNK = 1_000;

const rowOf = (plan: EventPlan, index: number) =>
  toEventRow(activityEvent(plan, index), 0, index) as unknown as Record<string, unknown>;

/** One bare COPY of `rows` into `table`: the columns the archiver fills. */
async function copyTable(
  client: pg.Client,
  table: typeof events | typeof eventKeys,
  rows: ReadonlyArray<Record<string, unknown>>,
): Promise<void> {
  // The table's defaults fill the rest, as for the archiver.
  const columns = Object.entries(getTableColumns(table)).filter(
    ([key]) => rows[0]?.[key] !== undefined,
  );
  const keys = columns.map(([key]) => key);
  const names = columns.map(([, column]) => `"${column.name}"`).join(', ');
  function* lines() {
    for (let start = 0; start < rows.length; start += ROWS_PER_CHUNK) {
      let chunk = '';
      for (const row of rows.slice(start, start + ROWS_PER_CHUNK)) chunk += copyLine(row, keys);
      yield chunk;
    }
  }
  await pipeline(
    Readable.from(lines()),
    client.query(copyFrom(`copy ${getTableName(table)} (${names}) from stdin`)),
  );
}

runAsWorker<CopyRowsSettings, CopyRowsResult>(async ({ databaseUrl, plan, count }) => {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const began = performance.now();
    // Each row is made once, as the archiver makes it once from its event.
    const rows = Array.from({ length: count }, (_, index) => rowOf(plan, index));
    await client.query('begin');
    await copyTable(client, eventKeys, rows);
    await copyTable(client, events, rows);
    await client.query('commit');
    const seconds = (performance.now() - began) / 1_000;
    return { rows: count, seconds, rate: count / seconds };
  } finally {
    await client.end();
  }
});

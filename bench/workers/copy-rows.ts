// Baseline (its own process): the archive rows of the same events, written with one bare COPY
// (pg-copy-streams) into an identical, freshly migrated `events` table.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { getTableColumns } from 'drizzle-orm';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { toEventRow } from '../../schema/db/event-row.ts';
import { events } from '../../schema/db/tables.ts';
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

runAsWorker<CopyRowsSettings, CopyRowsResult>(async ({ databaseUrl, plan, count }) => {
  // The columns the archiver fills; the table's defaults fill the rest, as for the archiver.
  const columns = Object.entries(getTableColumns(events)).filter(
    ([key]) => rowOf(plan, 0)[key] !== undefined,
  );
  const keys = columns.map(([key]) => key);
  const names = columns.map(([, column]) => `"${column.name}"`).join(', ');
  function* lines() {
    for (let start = 0; start < count; start += ROWS_PER_CHUNK) {
      let chunk = '';
      for (let index = start; index < Math.min(count, start + ROWS_PER_CHUNK); index++)
        chunk += copyLine(rowOf(plan, index), keys);
      yield chunk;
    }
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const began = performance.now();
    await pipeline(
      Readable.from(lines()),
      client.query(copyFrom(`copy events (${names}) from stdin`)),
    );
    const seconds = (performance.now() - began) / 1_000;
    return { rows: count, seconds, rate: count / seconds };
  } finally {
    await client.end();
  }
});

import { sql } from 'drizzle-orm';
import type { Component } from '../lib/lifecycle.ts';
import type { Logger } from '../lib/logger.ts';
import type { Database } from '../lib/postgres.ts';
import {
  expiredMonths,
  monthBounds,
  monthOf,
  monthsToPrepare,
  parsePartitionName,
  partitionName,
  type Month,
} from './months.ts';
import { databaseCause } from './pg-errors.ts';

export interface PartitionSettings {
  /** Months after the current one whose partitions exist before their first event. */
  aheadMonths: number;
  /** Months kept before the current one; older partitions are dropped. 0 keeps everything. */
  retentionMonths: number;
  /** How often partitions are prepared ahead and expired ones dropped. */
  checkIntervalMs: number;
}

export interface PartitionKeeper extends Component {
  /** Creates the partitions these timestamps need; a no-op for months already there. */
  ensureFor(timestamps: readonly string[]): Promise<void>;
  /** Forgets what it knows exists (another archiver may have dropped a month meanwhile). */
  forget(): void;
  /** Prepares the months ahead and drops expired ones; returns the tables it touched. */
  maintain(now?: Date): Promise<{ created: string[]; dropped: string[] }>;
}

// duplicate_table, and the unique index on pg_type when two archivers create one month at once.
const ALREADY_EXISTS = new Set(['42P07', '23505']);

/**
 * Keeps the monthly partitions of `events`: the current month and `aheadMonths` exist before
 * their first event, a month an event needs is created on demand (late or far-future events),
 * and with a retention setting whole months are dropped — instant, no DELETE, no bloat.
 */
export function createPartitionKeeper(
  db: Database,
  settings: PartitionSettings,
  logger: Logger,
): PartitionKeeper {
  const known = new Set<string>();
  let timer: NodeJS.Timeout | undefined;

  async function existing(): Promise<string[]> {
    const result = await db.execute<{ name: string }>(sql`
      select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
      where i.inhparent = 'events'::regclass`);
    return result.rows.map((row) => row.name);
  }

  async function create(month: Month): Promise<boolean> {
    const name = partitionName(month);
    const { from, to } = monthBounds(month);
    let created = true;
    try {
      await db.execute(
        sql.raw(
          `create table if not exists "${name}" partition of events for values from ('${from}') to ('${to}')`,
        ),
      );
    } catch (error) {
      if (!ALREADY_EXISTS.has(databaseCause(error).code ?? '')) throw error;
      created = false;
    }
    known.add(name);
    return created;
  }

  async function maintain(now = new Date()) {
    const present = await existing();
    for (const name of present) known.add(name);
    const created: string[] = [];
    for (const month of monthsToPrepare(now, settings.aheadMonths)) {
      const name = partitionName(month);
      if (present.includes(name)) continue;
      if (await create(month)) created.push(name);
    }
    const months = present.flatMap((name) => parsePartitionName(name) ?? []);
    const dropped: string[] = [];
    for (const month of expiredMonths(months, now, settings.retentionMonths)) {
      const name = partitionName(month);
      await db.execute(sql.raw(`drop table if exists "${name}"`));
      known.delete(name);
      dropped.push(name);
    }
    if (created.length > 0 || dropped.length > 0)
      logger.info({ created, dropped }, 'events partitions maintained');
    return { created, dropped };
  }

  return {
    name: 'partitions',
    maintain,
    forget: () => known.clear(),
    async ensureFor(timestamps) {
      const missing = new Map<string, Month>();
      const seen = new Set<string>();
      for (const timestamp of timestamps) {
        // Ingest writes UTC instants (2026-11-21T10:00:00.000Z) whose first seven characters
        // are the month: parse each month once per batch, not each of thousands of events.
        const utc = timestamp.endsWith('Z') && timestamp[4] === '-' && timestamp[7] === '-';
        const key = utc ? timestamp.slice(0, 7) : timestamp;
        if (seen.has(key)) continue;
        seen.add(key);
        const month = monthOf(timestamp);
        // An unparsable timestamp needs no partition: its insert fails and it is dead-lettered.
        if (month !== undefined && !known.has(partitionName(month)))
          missing.set(partitionName(month), month);
      }
      for (const month of missing.values()) await create(month);
    },
    async start() {
      await maintain();
      timer = setInterval(() => {
        maintain().catch((error: unknown) =>
          logger.warn({ err: error }, 'events partition maintenance failed; retrying later'),
        );
      }, settings.checkIntervalMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      return Promise.resolve();
    },
    ready: () => Promise.resolve(true),
  };
}

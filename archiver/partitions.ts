import { sql } from 'drizzle-orm';
import type { Component } from '../lib/lifecycle.ts';
import type { Logger } from '../lib/logger.ts';
import type { Database } from '../lib/postgres.ts';
import { eventKeys } from '../schema/db/tables.ts';
import {
  expiredMonths,
  isPartitionable,
  monthBounds,
  monthOf,
  monthsToPrepare,
  parsePartitionName,
  partitionName,
  type Month,
} from './months.ts';
import { databaseCause, describeDatabaseError } from './pg-errors.ts';

export interface PartitionSettings {
  /** Months after the current one whose partitions exist before their first event. */
  aheadMonths: number;
  /** Months kept before the current one; older partitions are dropped. 0 keeps everything. */
  retentionMonths: number;
  /** How often partitions are prepared ahead and expired ones dropped. */
  checkIntervalMs: number;
}

export interface PartitionKeeper extends Component {
  /**
   * Creates the partitions these timestamps need; a no-op for months already there. A month
   * that cannot have a partition (see FIRST_MONTH, LAST_MONTH), or whose creation PostgreSQL
   * refuses for its bounds, is skipped: its events then fail to insert and are dead-lettered,
   * where throwing would retry the batch forever.
   */
  ensureFor(timestamps: readonly string[]): Promise<void>;
  /** Forgets what it knows exists (another archiver may have dropped a month meanwhile). */
  forget(): void;
  /** Prepares the months ahead and drops expired ones; returns the tables it touched. */
  maintain(now?: Date): Promise<{ created: string[]; dropped: string[] }>;
}

// duplicate_table, and the unique index on pg_type when two archivers create one month at once.
const ALREADY_EXISTS = new Set(['42P07', '23505']);

/** A month PostgreSQL will never create: bounds out of range (22…), overlap (42P17). */
const refusedMonth = (code: string) => code.startsWith('22') || code === '42P17';

/**
 * Keeps the monthly partitions of `events`: the current month and `aheadMonths` exist before
 * their first event, a month an event needs is created on demand (late or far-future events),
 * and with a retention setting whole months are dropped — instant, no DELETE of events, no
 * bloat — with their rows of the small event_keys table.
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

  /** A month's partition with its keys: both go, or neither (one transaction). */
  async function drop(month: Month): Promise<void> {
    const name = partitionName(month);
    // Every key before the month's end, not only the month's: keys whose partition was
    // dropped by hand earlier go too, else a retry of those events would be taken as stored.
    const { to } = monthBounds(month);
    await db.transaction(async (tx) => {
      await tx.delete(eventKeys).where(sql`${eventKeys.timestamp} < ${to}`);
      await tx.execute(sql.raw(`drop table if exists "${name}"`));
    });
    known.delete(name);
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
      await drop(month);
      dropped.push(partitionName(month));
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
        // An unparsable or unpartitionable timestamp gets no partition: its insert fails and
        // it is dead-lettered.
        if (month !== undefined && isPartitionable(month) && !known.has(partitionName(month)))
          missing.set(partitionName(month), month);
      }
      for (const month of missing.values()) {
        try {
          await create(month);
        } catch (error) {
          const { code } = databaseCause(error);
          if (code === undefined || !refusedMonth(code)) throw error;
          logger.warn(
            { partition: partitionName(month), error: describeDatabaseError(error) },
            'events partition refused; its events are dead-lettered',
          );
        }
      }
    },
    async start() {
      // PostgreSQL down (or the schema not applied yet) at start must not keep the archiver
      // from joining its groups: every batch creates the months it needs (ensureFor), and the
      // months ahead are prepared at the next check.
      await maintain().catch((error: unknown) =>
        logger.warn({ err: error }, 'events partition maintenance failed at start; retrying later'),
      );
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

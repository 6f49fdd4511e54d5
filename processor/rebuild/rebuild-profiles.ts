import type { Redis } from 'ioredis';
import type pg from 'pg';
import { restoreProfiles } from '../../profiles/profile-restore.ts';
import type { StoredProfile } from '../../schema/profile.ts';
import type { RedisLayout } from '../../schema/redis-keys.ts';
import { emptyStoredProfile, type ProfileRules } from '../apply-event.ts';
import { archivedEvents } from './archive-cursor.ts';
import { replayEvent } from './replay.ts';

export interface RebuildProgress {
  /** Profiles recomputed so far. */
  profiles: number;
  /** Archived events replayed so far. */
  events: number;
  /** Archived events to replay (an estimate when rebuilding everything). */
  totalEvents: number;
  /** Profiles written to Redis. */
  written: number;
  /** Profiles left alone because Redis held a copy that had seen events the archive lacks. */
  kept: number;
  elapsedMs: number;
}

export interface RebuildOptions {
  pool: pg.Pool;
  redis: Redis;
  layout: RedisLayout;
  /** The processor's rules (sessions, segments): the same rules give the same profiles. */
  rules: ProfileRules;
  /** Only these profiles; every archived profile when absent. */
  profileIds?: readonly string[] | undefined;
  /** Rows per cursor fetch (default 5,000). */
  fetchSize?: number;
  /** Profiles per Redis pipeline (default 500). */
  writeBatch?: number;
  onProgress?(progress: RebuildProgress): void;
  /** How often onProgress is told (default every second), and once at the end. */
  progressIntervalMs?: number;
}

/** How many events the rebuild will replay: exact for some profiles, the planner's estimate for all. */
async function eventsToReplay(pool: pg.Pool, profileIds?: readonly string[]): Promise<number> {
  if (profileIds !== undefined) {
    const { rows } = await pool.query<{ n: number }>(
      'select count(*)::int as n from events where profile_id = any($1::text[])',
      [profileIds],
    );
    return rows[0]?.n ?? 0;
  }
  const { rows } = await pool.query<{ n: number }>(
    `select coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint::int as n
     from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'events'::regclass`,
  );
  return rows[0]?.n ?? 0;
}

/**
 * Recomputes profiles in Redis from the archived events with the processor's own step, and
 * leaves each profile's watermarks at its last archived offsets, so the processor carries on
 * from there without counting anything twice. Reads the archive through a cursor and writes
 * in pipelines; a profile whose Redis copy has seen events the archive lacks (the archiver
 * lagging behind the processor) is left alone and counted in `kept`.
 */
export async function rebuildProfiles(options: RebuildOptions): Promise<RebuildProgress> {
  const started = Date.now();
  const writeBatch = options.writeBatch ?? 500;
  const interval = options.progressIntervalMs ?? 1_000; // 1 second
  const progress: RebuildProgress = {
    profiles: 0,
    events: 0,
    totalEvents: await eventsToReplay(options.pool, options.profileIds),
    written: 0,
    kept: 0,
    elapsedMs: 0,
  };
  let lastReport = started;
  const report = (force = false) => {
    const now = Date.now();
    if (!force && now - lastReport < interval) return;
    lastReport = now;
    progress.elapsedMs = now - started;
    options.onProgress?.({ ...progress });
  };

  let pending: StoredProfile[] = [];
  const flush = async () => {
    const written = await restoreProfiles(options.redis, options.layout, pending, 'covering');
    progress.written += written.length;
    progress.kept += pending.length - written.length;
    pending = [];
  };

  let current: StoredProfile | undefined;
  for await (const { profileId, event, position } of archivedEvents(options.pool, options)) {
    if (current?.profile.id !== profileId) {
      if (current) {
        pending.push(current);
        progress.profiles++;
        if (pending.length >= writeBatch) await flush();
      }
      current = emptyStoredProfile(profileId);
    }
    current = replayEvent(current, event, position, options.rules);
    progress.events++;
    report();
  }
  if (current) {
    pending.push(current);
    progress.profiles++;
  }
  await flush();
  progress.totalEvents = Math.max(progress.totalEvents, progress.events);
  report(true);
  return { ...progress, elapsedMs: Date.now() - started };
}

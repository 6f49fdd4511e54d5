import type { RedisClient } from '../../lib/redis.ts';
import type pg from 'pg';
import { restoreIdentities } from '../../profiles/identity-index.ts';
import { restoreProfiles } from '../../profiles/profile-restore.ts';
import type { StoredProfile } from '../../schema/profile.ts';
import type { RedisLayout } from '../../schema/redis-keys.ts';
import { emptyStoredProfile, type ProfileRules } from '../apply-event.ts';
import { archivedEvents } from './archive-cursor.ts';
import type { PersonIdentity } from './identity-graph.ts';
import { withRecordedIdentity } from './person-identity.ts';
import { replayEvent } from './replay.ts';

export interface RebuildProgress {
  /** Profiles (persons: all the identifiers of one) recomputed so far. */
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
  redis: RedisClient;
  layout: RedisLayout;
  /** The processor's rules (sessions, segments): the same rules give the same profiles. */
  rules: ProfileRules;
  /** Only the persons of these identifiers (any identifier selects its whole person); all when absent. */
  profileIds?: readonly string[] | undefined;
  /** Rows per cursor fetch (default 5,000). */
  fetchSize?: number;
  /** Profiles per Redis pipeline (default 500). */
  writeBatch?: number;
  onProgress?(progress: RebuildProgress): void;
  /** How often onProgress is told (default every second), and once at the end. */
  progressIntervalMs?: number;
}

/** The planner's estimate of the archive's size, for the progress of a rebuild of everything. */
async function estimatedEvents(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `select coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint::int as n
     from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'events'::regclass`,
  );
  return rows[0]?.n ?? 0;
}

/**
 * Recomputes profiles in Redis from the archived events with the processor's own step, and
 * leaves each profile's watermarks at its last archived offsets, so the processor carries on
 * from there without counting anything twice. A person of several identifiers (the identity
 * graph of the snapshot table) is replayed into one profile under its canonical id, with the
 * identity its snapshot records, and its identity keys are written with it. Reads the archive through a cursor and writes
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
    // Exact for named persons, counted once their identifiers are known (below).
    totalEvents: options.profileIds === undefined ? await estimatedEvents(options.pool) : 0,
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
    const written = new Set(
      await restoreProfiles(options.redis, options.layout, pending, 'covering', {
        messageIdWindow: options.rules.limits.messageIdWindow,
      }),
    );
    // Identity keys only beside a profile written: one kept is newer than the archive.
    await restoreIdentities(
      options.redis,
      options.layout,
      pending.filter((stored) => written.has(stored.profile.id)),
    );
    progress.written += written.size;
    progress.kept += pending.length - written.size;
    pending = [];
  };

  let current: StoredProfile | undefined;
  let identity: PersonIdentity | undefined;
  const finish = async () => {
    if (!current) return;
    pending.push(withRecordedIdentity(current, identity, options.rules));
    progress.profiles++;
    if (pending.length >= writeBatch) await flush();
  };
  const replay = archivedEvents(options.pool, {
    profileIds: options.profileIds,
    ...(options.fetchSize === undefined ? {} : { fetchSize: options.fetchSize }),
    onSelectedCount: (events) => (progress.totalEvents = events),
  });
  for await (const archived of replay) {
    if (current?.profile.id !== archived.personId) {
      await finish();
      current = emptyStoredProfile(archived.personId);
      identity = archived.identity;
    }
    // applyEvent keeps the watermark of each event under its own key (identityWatermarks).
    current = replayEvent(current, archived.event, archived.position, options.rules);
    progress.events++;
    report();
  }
  await finish();
  await flush();
  progress.totalEvents = Math.max(progress.totalEvents, progress.events);
  report(true);
  return { ...progress, elapsedMs: Date.now() - started };
}

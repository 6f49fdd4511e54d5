// "Deletion under traffic", for test/deletion-under-traffic.e2e.ts and, at a
// larger size, the chaos harness (chaos/): users receive a steady stream of events through
// ingest; some are deleted right after a burst of their events was acknowledged (so those events
// are in Kafka, in a processor round or in the archiver's next batch while the deletion runs);
// the stream goes on; then the deleted users that come back get new events. Once every consumer
// has caught up, nothing of an erased event may remain anywhere, and everything else is exact.
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { parseBrokers } from '../../lib/kafka/client.ts';
import { connectRedis, scanKeys } from '../../lib/redis.ts';
import { readTopicToEnd } from '../../processor/redis-state/read-topic-to-end.ts';
import { parseChangelogKey } from '../../profiles/changelog-keys.ts';
import { parseStoredProfile, type StoredProfile } from '../../schema/profile.ts';
import { redisLayout } from '../../schema/redis-keys.ts';
import { eventually } from './http.ts';
import { committedAndEnd } from './kafka.ts';
import type { Namespace } from './namespace.ts';
import { sleep } from './processor.ts';

export interface DeletionScenarioSize {
  /** Users in the stream. */
  users: number;
  /** Of them, deleted mid-stream. */
  deleted: number;
  /** Of the deleted, those that get new events after their deletion returned. */
  returning: number;
  /** Events of the burst each deleted user gets right before its deletion. */
  burst: number;
  /**
   * Events for the users that stay, sent (in requests of 2,500, the largest batch) with the
   * bursts, so the processor and the archiver are behind when the deletions run.
   */
  surge: number;
  /** Events each returning user gets after its deletion. */
  afterwards: number;
  /** Stream: parallel senders, events per request, pause between a sender's requests. */
  senders: number;
  batchSize: number;
  pauseMs: number;
  /** How long the stream runs before, and after, the deletions. */
  streamMs: number;
  /** Longest wait for the system to settle. */
  settleMs: number;
}

export const DELETION_SHORT: DeletionScenarioSize = {
  users: 30,
  deleted: 10,
  returning: 5,
  burst: 600,
  surge: 60_000,
  afterwards: 7,
  senders: 3,
  batchSize: 50,
  pauseMs: 20,
  streamMs: 1_500,
  settleMs: 60_000,
};

export interface DeletionTarget {
  /** The system's namespace (topics, key prefix, database). */
  namespace: Namespace;
  gatewayUrl: string;
  /** Headers that authorize ingest (the write key). */
  ingestHeaders: Record<string, string>;
  /** Calls the deleteProfile mutation; throws unless it answered ok. */
  deleteProfile(id: string): Promise<void>;
  /** Consumer groups that must have caught up before the checks. */
  groups: { processor: string; archiver: string; snapshots: string };
  /** Prefix of the users' ids (unique per run). */
  idPrefix: string;
  /**
   * Freezes the processor (SIGSTOP) for the bursts and deletions, perhaps in the middle of a
   * round that read a profile about to be deleted; resolves with the thaw. Absent: none.
   */
  freezeProcessor?(): Promise<() => Promise<void>>;
}

export interface DeletionOutcome {
  /** Events answered 200, pre-deletion events of deleted users included. */
  acknowledged: number;
  /** Acknowledged pre-deletion events of deleted users (must be gone). */
  erased: number;
  /** Every way the outcome broke the promise, one line each; empty when kept. */
  violations: string[];
  settleMs: number;
}

/**
 * Once every consumer group has committed the end of its topic the state is final; this only
 * covers the last reads of Redis and PostgreSQL replicas of what was committed.
 */
const SETTLED_GRACE_MS = 10_000;

/** Events per request of the surge: the most one /v1/batch takes. */
const SURGE_REQUEST = 2_500;

/** Stream and burst events are named TICK; events after a deletion AFTER. */
const TICK = 'Tick';
const AFTER = 'After';

interface Ledger {
  /** Per user, the acknowledged messageIds (for deleted users: those before the deletion). */
  before: Map<string, string[]>;
  after: Map<string, string[]>;
}

type Sent = { type: 'track'; userId: string; event: string; messageId: string };

export async function runDeletionUnderTraffic(
  target: DeletionTarget,
  size: DeletionScenarioSize = DELETION_SHORT,
): Promise<DeletionOutcome> {
  const { namespace, idPrefix } = target;
  const users = Array.from({ length: size.users }, (_, n) => `${idPrefix}-u${n}`);
  const deleted = users.slice(0, size.deleted);
  const returning = deleted.slice(0, size.returning);
  const ledger: Ledger = { before: new Map(), after: new Map() };
  const violations: string[] = [];
  let sequence = 0;

  async function send(events: Sent[], into: Map<string, string[]>): Promise<void> {
    const response = await fetch(`${target.gatewayUrl}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...target.ingestHeaders },
      body: JSON.stringify({ batch: events }),
    });
    await response.text();
    // Not acknowledged is not known either way (a 503 may be stored): the scenario needs every
    // request answered 200 to know exactly what must be counted.
    if (response.status !== 200) {
      violations.push(`ingest answered ${response.status} to a batch of ${events.length}`);
      return;
    }
    for (const { userId, messageId } of events) {
      let list = into.get(userId);
      if (list === undefined) into.set(userId, (list = []));
      list.push(messageId);
    }
  }
  const event = (userId: string, name: string): Sent => ({
    type: 'track',
    userId,
    event: name,
    messageId: `${userId}-m${sequence++}`,
  });

  // The stream: users still in `streaming` get events until it stops.
  const streaming = new Set(users);
  const inFlight = new Set<Promise<void>>();
  let streamOn = true;
  const sender = async () => {
    while (streamOn) {
      const pool = [...streaming];
      if (pool.length > 0) {
        const batch = Array.from({ length: size.batchSize }, () =>
          event(pool[Math.floor(Math.random() * pool.length)] ?? '', TICK),
        );
        const request = send(batch, ledger.before);
        inFlight.add(request);
        await request.finally(() => inFlight.delete(request));
      }
      await sleep(size.pauseMs);
    }
  };
  const senders = Array.from({ length: size.senders }, () => sender());
  await sleep(size.streamMs);

  // Mid-stream: the deleted users leave the stream (their requests in flight finish first, so
  // each of their events is known to be acknowledged before the deletion), get a burst, and
  // are deleted as soon as the burst is acknowledged: its events are still on their way.
  for (const id of deleted) streaming.delete(id);
  await Promise.all([...inFlight]);
  // The surge goes out with the bursts, so they land in its midst on every partition.
  const staying = [...streaming];
  const thaw = await target.freezeProcessor?.();
  try {
    const surge = Promise.all(
      Array.from({ length: Math.ceil(size.surge / SURGE_REQUEST) }, (_, r) =>
        send(
          Array.from({ length: Math.min(SURGE_REQUEST, size.surge - r * SURGE_REQUEST) }, (_, n) =>
            event(staying[n % staying.length] ?? '', TICK),
          ),
          ledger.before,
        ),
      ),
    );
    await Promise.all(
      deleted.map(async (id) => {
        await send(
          Array.from({ length: size.burst }, () => event(id, TICK)),
          ledger.before,
        );
        await target.deleteProfile(id);
      }),
    );
    await surge;
  } finally {
    await thaw?.();
  }
  await sleep(size.streamMs);
  // After the deletions returned: the returning users get new events, the stream goes on.
  for (const id of returning)
    await send(
      Array.from({ length: size.afterwards }, () => event(id, AFTER)),
      ledger.after,
    );
  streamOn = false;
  await Promise.all(senders);

  const started = Date.now();
  const probe = await openProbe(namespace);
  try {
    await eventually(
      () => probe.caughtUp(target.groups).then((done) => (done ? true : undefined)),
      size.settleMs,
      100,
    );
    await eventually(async () => {
      const pending = await settledViolations(probe, users, deleted, ledger);
      return pending.length === 0 ? true : undefined;
    }, SETTLED_GRACE_MS).catch(() => undefined);
    violations.push(...(await settledViolations(probe, users, deleted, ledger)));
  } finally {
    await probe.close();
  }
  const count = (map: Map<string, string[]>, ids: readonly string[]) =>
    ids.reduce((sum, id) => sum + (map.get(id)?.length ?? 0), 0);
  return {
    acknowledged: count(ledger.before, users) + count(ledger.after, users),
    erased: count(ledger.before, deleted),
    violations,
    settleMs: Date.now() - started,
  };
}

/** Everything that is not as the promise says, once the consumers have caught up. */
async function settledViolations(
  probe: Probe,
  users: readonly string[],
  deleted: readonly string[],
  ledger: Ledger,
): Promise<string[]> {
  const found: string[] = [];
  const erasedSet = new Set(deleted);
  const latest = await probe.latestChangelog();
  const memberships = await probe.segmentMemberships();
  for (const id of users) {
    const erased = erasedSet.has(id);
    const kept = erased ? (ledger.after.get(id) ?? []) : (ledger.before.get(id) ?? []);
    const name = erased ? AFTER : TICK;
    const live = await probe.live(id);
    if (kept.length === 0 && live !== undefined)
      found.push(`${id}: Redis holds a profile of ${live.profile.eventCount} erased events`);
    if (kept.length > 0 && !countsOnly(live, name, kept.length))
      found.push(
        `${id}: Redis counts ${JSON.stringify(live?.profile.eventCounts)}, expected ${kept.length} × ${name}`,
      );
    const archived = await probe.archived(id);
    if (!sameSet(archived.events, kept))
      found.push(`${id}: archive holds ${archived.events.length} events, expected ${kept.length}`);
    if (!sameSet(archived.keys, kept))
      found.push(`${id}: event_keys holds ${archived.keys.length} keys, expected ${kept.length}`);
    const snapshot = await probe.snapshotRow(id);
    if (kept.length === 0 && snapshot !== undefined)
      found.push(`${id}: snapshot table holds a snapshot of erased events`);
    if (kept.length > 0 && !countsOnly(snapshot, name, kept.length))
      found.push(`${id}: snapshot table counts ${JSON.stringify(snapshot?.profile.eventCounts)}`);
    const record = latest.get(id);
    if (erased && record === undefined) found.push(`${id}: no changelog record at all`);
    if (erased && kept.length === 0 && record !== null && record !== undefined)
      found.push(`${id}: latest changelog record is a snapshot, not the tombstone`);
    if (
      kept.length > 0 &&
      (record === undefined || !countsOnly(record ?? undefined, name, kept.length))
    )
      found.push(`${id}: latest changelog record is ${record === null ? 'a tombstone' : 'stale'}`);
    const segments = [...(live?.profile.segments ?? [])].sort();
    const member = [...(memberships.get(id) ?? [])].sort();
    if (segments.join() !== member.join())
      found.push(`${id}: segment sets hold [${member.join()}], profile is in [${segments.join()}]`);
  }
  return found;
}

/** The profile counts exactly `count` events, all named `name`. */
function countsOnly(stored: StoredProfile | undefined, name: string, count: number): boolean {
  if (stored === undefined) return false;
  const { eventCount, eventCounts } = stored.profile;
  return eventCount === count && JSON.stringify(eventCounts) === JSON.stringify({ [name]: count });
}

function sameSet(found: readonly string[], expected: readonly string[]): boolean {
  const want = new Set(expected);
  return found.length === want.size && found.every((id) => want.has(id));
}

interface Probe {
  caughtUp(groups: DeletionTarget['groups']): Promise<boolean>;
  live(id: string): Promise<StoredProfile | undefined>;
  archived(id: string): Promise<{ events: string[]; keys: string[] }>;
  snapshotRow(id: string): Promise<StoredProfile | undefined>;
  /** The latest changelog record per key: a snapshot, or null for a tombstone. */
  latestChangelog(): Promise<Map<string, StoredProfile | null>>;
  /** Per profile id, the segment sets it is a member of. */
  segmentMemberships(): Promise<Map<string, string[]>>;
  close(): Promise<void>;
}

/** Direct reads of the namespace's Redis, archive and changelog (never through the services). */
async function openProbe(namespace: Namespace): Promise<Probe> {
  const redis = connectRedis(namespace.redisUrl, { lazyConnect: true });
  // Resolves once a cluster client knows its nodes, which scanKeys needs.
  await redis.connect();
  const layout = redisLayout(namespace.keyPrefix);
  const pool = new pg.Pool({ connectionString: namespace.databaseUrl, max: 2 });
  const kafka = new Kafka({
    clientId: `${namespace.id}-deletion-probe`,
    brokers: parseBrokers(namespace.kafkaBrokers),
    logLevel: logLevel.NOTHING,
  });
  const column = async (sql: string, id: string) =>
    (await pool.query<{ v: string }>(sql, [id])).rows.map((row) => row.v);
  const caughtUpOn = async (group: string, topic: string) => {
    const { committed, end } = await committedAndEnd(namespace, group, topic);
    return Object.entries(end).every(([p, offset]) => committed[Number(p)] === offset);
  };
  return {
    async caughtUp(groups) {
      const { events, changelog } = namespace.topics;
      return (
        (await caughtUpOn(groups.processor, events)) &&
        (await caughtUpOn(groups.archiver, events)) &&
        (await caughtUpOn(groups.snapshots, changelog))
      );
    },
    async live(id) {
      const doc = await redis.hget(layout.profile(id), 'doc');
      return doc === null ? undefined : parseStoredProfile(id, doc);
    },
    async archived(id) {
      return {
        events: await column('select message_id as v from events where profile_id = $1', id),
        keys: await column('select message_id as v from event_keys where profile_id = $1', id),
      };
    },
    async snapshotRow(id) {
      const { rows } = await pool.query<{ snapshot: StoredProfile }>(
        'select snapshot from profiles where profile_id = $1',
        [id],
      );
      return rows[0]?.snapshot;
    },
    async latestChangelog() {
      const latest = new Map<string, StoredProfile | null>();
      await readTopicToEnd({
        kafka,
        topic: namespace.topics.changelog,
        groupPrefix: `${namespace.id}-deletion-probe`,
        onBatch: (messages) => {
          for (const { key, value } of messages) {
            const text = key?.toString('utf8');
            if (text === undefined) continue;
            // Only documents: a dedupe window's chunks are records of their own (ADR 0014).
            const { id, slot } = parseChangelogKey(text);
            if (slot !== undefined) continue;
            latest.set(id, value === null ? null : parseStoredProfile(id, value.toString('utf8')));
          }
          return Promise.resolve();
        },
      });
      return latest;
    },
    async segmentMemberships() {
      const members = new Map<string, string[]>();
      const sets = new Set<string>();
      for await (const found of scanKeys(redis, layout.segmentMembersPattern)) {
        for (const key of found) sets.add(key);
      }
      for (const set of sets) {
        // A shard of the segment's members: `segment:{<name>#<shard>}:members`.
        const segment = /segment:\{(.*)#\d+\}:members$/.exec(set)?.[1] ?? set;
        for (const id of await redis.smembers(set)) {
          let list = members.get(id);
          if (list === undefined) members.set(id, (list = []));
          list.push(segment);
        }
      }
      return members;
    },
    async close() {
      redis.disconnect();
      await pool.end();
    },
  };
}

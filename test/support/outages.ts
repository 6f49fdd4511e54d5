import { eventually, basicAuth } from './http.ts';
import type { ArchiveProbe } from './archive.ts';
import type { TcpProxy } from './tcp-proxy.ts';

/**
 * The "PostgreSQL refused, then PostgreSQL hanging" scenario, whatever runs the
 * services: test/postgres-outage.e2e.ts runs it in-process and briefly, the chaos harness can
 * run it against `npm start`'s processes for 20 s per phase. The caller puts the archiver and
 * the Activity subgraph behind `proxy` and reads the archive directly (never through it).
 */
export interface PostgresOutageSystem {
  /** Between PostgreSQL and the archiver(s) and the Activity subgraph. */
  proxy: TcpProxy;
  /** The gateway's base URL: ingest (`/v1/batch`) and GraphQL (`/graphql`). */
  gatewayUrl: string;
  /** A bearer token with the scope activities:read. */
  token: string;
  /** Base URLs (health, metrics) of the running archiver and Activity subgraph. */
  archiverUrl: string;
  activityUrl: string;
  /** Starts another archiver instance in the same consumer groups, behind the proxy. */
  startArchiver(): Promise<{ url: string; stop(): Promise<void> }>;
  /** The archive read directly, for the verdict. */
  archive: ArchiveProbe;
  /** Prefix of every user and message id the scenario sends. */
  tag: string;
}

export interface PostgresOutageOptions {
  refusedMs: number;
  hangingMs: number;
  /**
   * PostgreSQL answers normally this long between the two phases (default 4 s), so the hang
   * also meets connections that are open and busy, not only new ones.
   */
  betweenMs?: number;
  /** Users the traffic is spread over. Default 20. */
  users?: number;
  /** Events per ingest request; one request every `intervalMs`. Defaults 10 and 50 ms. */
  batchSize?: number;
  intervalMs?: number;
  /** How long recovery may take before the scenario gives up. Default 120 s. */
  recoveryTimeoutMs?: number;
}

export type OutagePhase = 'refused' | 'hanging';

/** One `/ready` answer: when it was asked (ms into its phase) and its status. */
export interface ReadyPoll {
  atMs: number;
  status: number;
}

/** One GraphQL `activities` query during an outage. */
export interface OutageQuery {
  ms: number;
  code: string | undefined;
}

export interface PostgresOutageReport {
  acknowledged: number;
  /** Requests ingest did not answer 200 (none expected: ingest needs Kafka only). */
  refusedRequests: number;
  archivedMissing: number;
  archivedTwice: number;
  /** From the end of the hang until every acknowledged event was archived; null: never. */
  recoverMs: number | null;
  /** Per phase, the `/ready` answers of each service, asked while the phase lasted. */
  ready: Record<OutagePhase, Record<'archiver' | 'secondArchiver' | 'activity', ReadyPoll[]>>;
  queries: Record<OutagePhase, OutageQuery[]>;
  /** Whether `pulsehub_archiver_postgres_available` went to 0 during the hang, per consumer. */
  unavailableSeenWhileHanging: { events: boolean; snapshots: boolean };
  /** After recovery: every instance ready and both consumers of each writing again. */
  recovered: { ready: boolean; consumersAvailable: boolean };
  /** Profiles whose snapshot row's eventCount differs from their archived events. */
  snapshotMismatches: string[];
  /** When the second archiver finished starting, ms into the refused phase. */
  secondArchiverStartedAtMs: number;
}

const ACTIVITIES = '{ activities(first: 1) { edges { node { id } } } }';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readyStatus(url: string): Promise<number> {
  try {
    const response = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(5_000) });
    return response.status;
  } catch {
    return 0; // no answer at all: not ready either
  }
}

/** The availability gauge of each archiver consumer (1 writing, 0 paused retrying). */
async function availability(url: string): Promise<{ events: number; snapshots: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (consumer: string) => {
    const match = new RegExp(
      `^pulsehub_archiver_postgres_available\\{consumer="${consumer}"[^}]*\\} (\\d+)$`,
      'm',
    ).exec(text);
    return match ? Number(match[1]) : Number.NaN;
  };
  return { events: read('events'), snapshots: read('snapshots') };
}

/** Polls `/ready` of a service until `stop()`; each answer stamped with its phase time. */
function pollReady(url: () => string | undefined, since: number) {
  const polls: ReadyPoll[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const target = url();
      if (target !== undefined) {
        const atMs = Date.now() - since;
        polls.push({ atMs, status: await readyStatus(target) });
      }
      await sleep(200);
    }
  })();
  return {
    polls,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

export async function runPostgresOutage(
  system: PostgresOutageSystem,
  options: PostgresOutageOptions,
): Promise<PostgresOutageReport> {
  const users = options.users ?? 20;
  const batchSize = options.batchSize ?? 10;
  const intervalMs = options.intervalMs ?? 50;
  const { tag } = system;
  const acknowledged = new Set<string>();
  let refusedRequests = 0;
  let sequence = 0;

  // Traffic through ingest for the whole scenario, one request at a time.
  let sending = true;
  const traffic = (async () => {
    while (sending) {
      const batch = Array.from({ length: batchSize }, () => {
        const n = sequence++;
        return {
          type: 'track',
          event: 'Outage Probe',
          userId: `${tag}-u${n % users}`,
          messageId: `${tag}-m${n}`,
        };
      });
      const answer = await fetch(`${system.gatewayUrl}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basicAuth('dev-write-key') },
        body: JSON.stringify({ batch }),
      }).catch(() => undefined);
      if (answer?.status === 200) for (const call of batch) acknowledged.add(call.messageId);
      else refusedRequests += 1;
      await answer?.body?.cancel();
      await sleep(intervalMs);
    }
  })();

  const query = async (): Promise<OutageQuery> => {
    const started = Date.now();
    const response = await fetch(`${system.gatewayUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${system.token}` },
      body: JSON.stringify({ query: ACTIVITIES }),
    });
    const body = (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
    return { ms: Date.now() - started, code: body.errors?.[0]?.extensions?.code };
  };

  let secondArchiver: { url: string; stop(): Promise<void> } | undefined;
  let secondArchiverStartedAtMs = -1;
  const unavailableSeenWhileHanging = { events: false, snapshots: false };

  /** One phase: the fault applied, `/ready` polled throughout, queries timed meanwhile. */
  async function phase(
    kind: OutagePhase,
    durationMs: number,
    during?: (since: number) => Promise<void>,
  ) {
    await (kind === 'refused' ? system.proxy.refuse() : system.proxy.hang());
    const since = Date.now();
    const pollers = {
      archiver: pollReady(() => system.archiverUrl, since),
      secondArchiver: pollReady(() => secondArchiver?.url, since),
      activity: pollReady(() => system.activityUrl, since),
    };
    const queries: OutageQuery[] = [];
    // Queries end early enough that the slowest (a hang's timeouts) answers inside the phase.
    const queriesUntil = since + Math.max(durationMs - 4_000, 0);
    const asking = (async () => {
      await during?.(since);
      do {
        queries.push(await query());
        await sleep(1_000);
      } while (Date.now() < queriesUntil);
    })();
    // The hang must show in the consumers' availability gauge (it once stayed at 1).
    const watching = (async () => {
      while (kind === 'hanging' && Date.now() - since < durationMs) {
        for (const url of [system.archiverUrl, secondArchiver?.url]) {
          if (url === undefined) continue;
          const gauge = await availability(url);
          if (gauge.events === 0) unavailableSeenWhileHanging.events = true;
          if (gauge.snapshots === 0) unavailableSeenWhileHanging.snapshots = true;
        }
        await sleep(250);
      }
    })();
    await sleep(durationMs - (Date.now() - since));
    await Promise.all([asking, watching]);
    for (const poller of Object.values(pollers)) await poller.stop();
    return {
      queries,
      ready: {
        archiver: pollers.archiver.polls,
        secondArchiver: pollers.secondArchiver.polls,
        activity: pollers.activity.polls,
      },
    };
  }

  try {
    // Let the system archive a first part normally.
    await sleep(2_000);
    const refused = await phase('refused', options.refusedMs, async (since) => {
      // The second archiver joins during the outage: its groups rebalance while the first
      // one's batches are being retried.
      secondArchiver = await system.startArchiver();
      secondArchiverStartedAtMs = Date.now() - since;
    });
    await system.proxy.accept();
    await sleep(options.betweenMs ?? 4_000);
    const hanging = await phase('hanging', options.hangingMs);
    await system.proxy.accept();
    const recoveredFrom = Date.now();
    sending = false;
    await traffic;

    const ids = [...acknowledged];
    const archivedCounts = async () => {
      const rows = await system.archive.query<{ message_id: string; n: number }>(
        `select message_id, count(*)::int as n from events where message_id like $1 || '%'
         group by message_id`,
        [`${tag}-m`],
      );
      return new Map(rows.map((row) => [row.message_id, row.n]));
    };
    let counts = await archivedCounts();
    let recoverMs: number | null = null;
    try {
      counts = await eventually(
        async () => {
          const now = await archivedCounts();
          return ids.every((id) => now.has(id)) ? now : undefined;
        },
        options.recoveryTimeoutMs ?? 120_000,
        250,
      );
      recoverMs = Date.now() - recoveredFrom;
    } catch {
      counts = await archivedCounts();
    }

    const instances = [system.archiverUrl, ...(secondArchiver ? [secondArchiver.url] : [])];
    const allReady = async () =>
      (await Promise.all([...instances, system.activityUrl].map(readyStatus))).every(
        (status) => status === 200,
      );
    const allAvailable = async () =>
      (await Promise.all(instances.map(availability))).every(
        (gauge) => gauge.events === 1 && gauge.snapshots === 1,
      );
    const settled = async (check: () => Promise<boolean>) =>
      eventually(async () => ((await check()) ? true : undefined), 60_000, 250).catch(() => false);
    const recovered = {
      ready: await settled(allReady),
      consumersAvailable: await settled(allAvailable),
    };

    // The snapshot consumer caught up: each profile's row counts what the archive holds.
    const mismatches = async () => {
      const rows = await system.archive.query<{
        profile_id: string;
        snapshot: number;
        archived: number;
      }>(
        `select e.profile_id, coalesce((p.snapshot->'profile'->>'eventCount')::int, -1) as snapshot,
                count(*)::int as archived
         from events e left join profiles p using (profile_id)
         where e.profile_id like $1 || '%'
         group by e.profile_id, p.snapshot`,
        [`${tag}-u`],
      );
      return rows.filter((row) => row.snapshot !== row.archived).map((row) => row.profile_id);
    };
    let snapshotMismatches = await mismatches();
    if (snapshotMismatches.length > 0)
      snapshotMismatches = await eventually(
        async () => {
          const now = await mismatches();
          return now.length === 0 ? now : undefined;
        },
        60_000,
        500,
      ).catch(() => mismatches());

    return {
      acknowledged: ids.length,
      refusedRequests,
      archivedMissing: ids.filter((id) => !counts.has(id)).length,
      archivedTwice: [...counts.values()].filter((n) => n > 1).length,
      recoverMs,
      ready: { refused: refused.ready, hanging: hanging.ready },
      queries: { refused: refused.queries, hanging: hanging.queries },
      unavailableSeenWhileHanging,
      recovered,
      snapshotMismatches,
      secondArchiverStartedAtMs,
    };
  } finally {
    sending = false;
    await traffic;
    await system.proxy.accept();
    await secondArchiver?.stop();
  }
}

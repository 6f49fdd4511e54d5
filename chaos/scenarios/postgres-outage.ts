// "PostgreSQL refused, then hanging": the body of test/support/outages.ts against `npm start`'s
// processes, at the issue's size. Every service reaches PostgreSQL through a TCP proxy of the
// scenario's own (the shared PostgreSQL is never touched); a second archiver joins the groups
// while PostgreSQL refuses. The outage drives its own traffic and ledger, so the table's
// archive columns come from its report; it reads no Redis counters, so those two columns are 0
// by construction and the snapshot check below stands in for them.
import { startService, type RunningService } from '../../bench/support/services.ts';
import { archiveProbe } from '../../test/support/archive.ts';
import { runPostgresOutage, type OutagePhase } from '../../test/support/outages.ts';
import { createTcpProxy } from '../../test/support/tcp-proxy.ts';
import type { ChaosOutcome, ChaosScenario, ChaosSize } from '../scenario.ts';
import { startScenarioSystem, until } from '../setup.ts';

const SIZES: Record<ChaosSize, { refusedMs: number; hangingMs: number }> = {
  full: { refusedMs: 20_000, hangingMs: 20_000 },
  // The hang still outlasts the archiver's 5 s query timeout.
  short: { refusedMs: 8_000, hangingMs: 12_000 },
};
/** A /ready asked this soon after the fault may have started before it. */
const READY_GRACE_MS = 500;
/** "Fails fast": the Activity subgraph's PostgreSQL timeouts are 2 s to connect, 2.5 s to answer. */
const FAIL_FAST_MS = 3_000;

/** Whether anything answers HTTP at `url`, whatever the status. */
async function answersAtAll(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(1_000) }).catch(() => undefined);
  await response?.body?.cancel();
  return response !== undefined;
}

const gone = (service: RunningService) =>
  service.child.exitCode !== null || service.child.signalCode !== null;

/** `url` with its host and port replaced by `host`. */
function withHost(url: string, host: string): string {
  const parsed = new URL(url);
  parsed.host = host;
  return parsed.toString();
}

export const postgresOutageScenario: ChaosScenario = {
  name: 'postgres-outage',
  summary:
    'PostgreSQL refuses connections, then hangs, under load, a second archiver joining meanwhile: /ready says so, queries fail fast, every event archived once',
  async run(context): Promise<ChaosOutcome> {
    const size = SIZES[context.size];
    const direct = new URL(context.infra.databaseUrl);
    const proxy = await createTcpProxy(direct.hostname, Number(direct.port || 5432));
    context.defer(() => proxy.close());
    const { namespace, system } = await startScenarioSystem(context, {
      infra: {
        ...context.infra,
        databaseUrl: withHost(context.infra.databaseUrl, `127.0.0.1:${proxy.port}`),
      },
      partitions: 6,
    });
    // The verdict reads the archive directly, never through the proxy it breaks.
    const archive = archiveProbe({
      ...namespace,
      databaseUrl: withHost(namespace.databaseUrl, direct.host),
    });
    context.defer(() => archive.close());
    const token = (context.auth.gatewayHeaders['authorization'] ?? '').replace(/^Bearer /, '');
    context.log(
      `refused ${size.refusedMs} ms, then hanging ${size.hangingMs} ms, via proxy port ${proxy.port}`,
    );

    const report = await runPostgresOutage(
      {
        proxy,
        gatewayUrl: system.gatewayUrl(),
        token,
        archiverUrl: system.service('archiver').baseUrl,
        activityUrl: system.service('activity').baseUrl,
        archive,
        tag: `${namespace.id}-outage`,
        async startArchiver() {
          // The system's settings and groups: a second member of the running archiver's groups.
          // PostgreSQL is down, so it cannot be ready: started is its HTTP server answering.
          const second = await startService('archiver', namespace, {
            env: { ...context.auth.serviceEnv, CONSUMER_GROUP_ID: `${namespace.id}-archiver` },
            waitFor: 'spawn',
          });
          context.defer(() => second.stop());
          await until(async () => (await answersAtAll(`${second.baseUrl}/ready`)) || gone(second));
          if (gone(second)) throw new Error(`second archiver exited:\n${second.output()}`);
          return { url: second.baseUrl, stop: () => second.stop() };
        },
      },
      size,
    );
    context.log(
      `recovered ${report.recoverMs === null ? 'never' : `${report.recoverMs} ms after the hang`}`,
    );

    const phases: OutagePhase[] = ['refused', 'hanging'];
    const readyWhileDown = phases.flatMap((phase) =>
      Object.entries(report.ready[phase]).flatMap(([service, polls]) => {
        const during = polls.filter((poll) => poll.atMs >= READY_GRACE_MS);
        const ready = during.filter((poll) => poll.status === 200).length;
        return during.length === 0 || ready > 0
          ? [`${service} ${phase}: ${ready} of ${during.length} polls 200`]
          : [];
      }),
    );
    const slowOrWrong = phases.flatMap((phase) =>
      report.queries[phase]
        .filter((query) => query.code !== 'SERVICE_UNAVAILABLE' || query.ms >= FAIL_FAST_MS)
        .map((query) => `${phase}: ${query.code ?? 'ok'} in ${query.ms} ms`),
    );
    const queried = phases.every((phase) => report.queries[phase].length > 0);
    const checks = [
      {
        name: 'ingest answered every request 200 (it needs Kafka only)',
        ok: report.refusedRequests === 0,
        detail: `${report.refusedRequests} not 200`,
      },
      {
        name: 'a second archiver started and joined while PostgreSQL refused',
        ok:
          report.secondArchiverStartedAtMs >= 0 &&
          report.secondArchiverStartedAtMs < size.refusedMs,
        detail: `started ${report.secondArchiverStartedAtMs} ms into the refusal`,
      },
      {
        name: '/ready not 200 during both phases, for both archivers and the Activity subgraph',
        ok: readyWhileDown.length === 0,
        detail: readyWhileDown.join('; ') || 'never ready while down',
      },
      {
        name: `activities queries failed with SERVICE_UNAVAILABLE within ${FAIL_FAST_MS} ms`,
        ok: queried && slowOrWrong.length === 0,
        detail: queried ? slowOrWrong.join('; ') || 'all' : 'a phase had no query',
      },
      {
        name: "both archiver consumers' availability gauge went to 0 during the hang",
        ok:
          report.unavailableSeenWhileHanging.events && report.unavailableSeenWhileHanging.snapshots,
        detail: JSON.stringify(report.unavailableSeenWhileHanging),
      },
      {
        name: 'every instance ready and writing again afterwards',
        ok: report.recovered.ready && report.recovered.consumersAvailable,
        detail: JSON.stringify(report.recovered),
      },
      {
        name: "every profile's archived snapshot counts its archived events (counters not read: see summary)",
        ok: report.snapshotMismatches.length === 0,
        detail: `${report.snapshotMismatches.length} mismatched`,
      },
    ];
    return {
      tally: {
        acknowledged: report.acknowledged,
        retriedThenAcked: 0, // the outage's traffic never retries: ingest must answer 200
        lost: 0,
        countedTwice: 0,
        profilesWrong: 0,
        archivedMissing: report.archivedMissing,
        archivedTwice: report.archivedTwice,
        archivedUnacknowledged: 0, // not read: the outage's traffic is answered 200 or counted refused
      },
      recoverMs: report.recoverMs,
      checks,
      figures: { report, unexpectedExits: system.unexpectedExits },
    };
  },
};

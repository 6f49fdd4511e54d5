import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiverConfigSchema } from '../archiver/config.ts';
import { createArchiverService } from '../archiver/service.ts';
import { loadServiceConfig } from '../config/client/load.ts';
import { mergeTrees } from '../config/client/merge.ts';
import { createLogger } from '../lib/logger.ts';
import { startService, stopService } from '../lib/service.ts';
import { archiveProbe, type ArchiveProbe } from './support/archive.ts';
import { createSandbox, type Sandbox } from './support/isolation.ts';
import {
  runPostgresOutage,
  type OutagePhase,
  type PostgresOutageReport,
} from './support/outages.ts';
import { startSystem, type RunningSystem } from './support/system.ts';
import { proxyInFrontOf, type TcpProxy } from './support/tcp-proxy.ts';

/** Shorter than the 20 s per phase; the hang outlasts the archiver's 5 s query timeout. */
const REFUSED_MS = 8_000;
const HANGING_MS = 12_000;
/** A /ready asked this soon after the fault may have started before it. */
const READY_GRACE_MS = 500;
/** "Fails fast": the API's PostgreSQL timeouts are 2 s to connect and 2.5 s for an answer. */
const FAIL_FAST_MS = 3_000;

describe('PostgreSQL refused, then hanging, under traffic, with a second archiver joining', () => {
  let sandbox: Sandbox;
  let proxy: TcpProxy;
  let system: RunningSystem;
  let archive: ArchiveProbe;
  let report: PostgresOutageReport;

  beforeAll(async () => {
    sandbox = await createSandbox();
    const proxied = await proxyInFrontOf(sandbox.databaseUrl, 5432);
    proxy = proxied.proxy;
    const viaProxy = proxied.url;
    // Every service reaches PostgreSQL through the proxy; the assertions read it directly.
    const sharedOverrides = mergeTrees(sandbox.sharedOverrides, {
      database: { url: viaProxy },
    });
    system = await startSystem({ ...sandbox, databaseUrl: viaProxy, sharedOverrides });
    archive = archiveProbe(sandbox);
    const baseUrl = (name: string) => `http://127.0.0.1:${system.services[name]!.http.port()}`;

    report = await runPostgresOutage(
      {
        proxy,
        gatewayUrl: system.gatewayUrl,
        token: system.adminToken,
        archiverUrl: baseUrl('archiver'),
        activityUrl: baseUrl('activity'),
        archive,
        tag: `${sandbox.id}-outage`,
        async startArchiver() {
          const config = await loadServiceConfig('archiver', archiverConfigSchema, {
            env: {},
            profiles: [],
            overrides: mergeTrees(sharedOverrides, {
              http: { host: '127.0.0.1', port: 0 },
              configServer: { enabled: false },
              // The groups of the system's archiver (test/support/system.ts).
              consumer: { groupId: `${sandbox.id}-archiver` },
              snapshots: { groupId: `${sandbox.id}-archiver-snapshots` },
            }),
          });
          const service = createArchiverService(config, createLogger('archiver-2', 'warn'));
          await startService(service);
          return {
            url: `http://127.0.0.1:${service.http.port()}`,
            stop: () => stopService(service),
          };
        },
      },
      { refusedMs: REFUSED_MS, hangingMs: HANGING_MS },
    );
  }, 300_000);

  afterAll(async () => {
    await system?.stop();
    await proxy?.close();
    await archive?.close();
    await sandbox?.dispose();
  });

  it('archives every acknowledged event exactly once, and recovers by itself', () => {
    expect(report.acknowledged).toBeGreaterThan(1_000);
    // Ingest needs Kafka only: a PostgreSQL outage never refuses an event.
    expect(report.refusedRequests).toBe(0);
    expect({ missing: report.archivedMissing, twice: report.archivedTwice }).toEqual({
      missing: 0,
      twice: 0,
    });
    expect(report.recoverMs).not.toBeNull();
  });

  it('lets a second archiver start and join its groups while PostgreSQL is down', () => {
    expect(report.secondArchiverStartedAtMs).toBeGreaterThanOrEqual(0);
    expect(report.secondArchiverStartedAtMs).toBeLessThan(REFUSED_MS);
  });

  it.each<OutagePhase>(['refused', 'hanging'])(
    'says not ready on /ready while PostgreSQL is %s, for both archivers and the Activity subgraph',
    (phase) => {
      for (const [service, polls] of Object.entries(report.ready[phase])) {
        const during = polls.filter((poll) => poll.atMs >= READY_GRACE_MS);
        expect(during.length, `${service} polled`).toBeGreaterThan(0);
        expect(
          during.filter((poll) => poll.status === 200),
          `${service} ready while PostgreSQL was ${phase}`,
        ).toEqual([]);
      }
    },
  );

  it.each<OutagePhase>(['refused', 'hanging'])(
    'fails activities queries fast with SERVICE_UNAVAILABLE while PostgreSQL is %s',
    (phase) => {
      const queries = report.queries[phase];
      expect(queries.length).toBeGreaterThan(0);
      for (const query of queries) {
        expect(query.code).toBe('SERVICE_UNAVAILABLE');
        expect(query.ms).toBeLessThan(FAIL_FAST_MS);
      }
    },
  );

  it('shows the hang in both consumers’ availability gauge (it once stayed up)', () => {
    expect(report.unavailableSeenWhileHanging).toEqual({ events: true, snapshots: true });
  });

  it('resumes the events and the snapshot consumer of both archivers, ready again', () => {
    expect(report.recovered).toEqual({ ready: true, consumersAvailable: true });
    expect(report.snapshotMismatches).toEqual([]);
  });
});

import { freePort, OUTPUT_TAIL, spawnNode, type NodeProcess } from '../../scripts/node-process.ts';
import { coresPerThousandEvents, readCpu } from '../support/cpu.ts';
import { createFootprintProbe, perEvent, type BytesPerEvent } from '../support/footprint.ts';
import { PROFILE_STARTS, type ProfileStart } from '../support/history.ts';
import type { Check } from '../support/report.ts';
import { runStarter } from '../support/run-start.ts';
import { bytesChecks, coresCheck, startLabel } from '../support/steady-checks.ts';
import { alternateRuns, compareRuns, type Scenario } from '../support/scenario.ts';
import { startScenarioSystem, startService, subgraphEnv } from '../support/services.ts';
import { startWorker } from '../support/worker.ts';
import type {
  FanoutLoadResult,
  FanoutLoadSettings,
  FanoutMessage,
} from '../workers/fanout-load.ts';

const DEFAULT_CONNECTIONS = 10_000;
const SUBSCRIBERS_PER_PROFILE = 10;
const ROUNDS = 5; // updates of every profile per run
const ROUND_SPREAD_MS = 1_000; // a round's updates spread over 1 second
const PAUSE_MS = 500; // between rounds
const TARGET_P99_MS = 200;
const SETTLE_MS = 2_000; // before the memory baseline sample

interface Server {
  process: NodeProcess;
  baseUrl: string;
}

interface Measured {
  result: FanoutLoadResult;
  rssBeforeBytes: number;
  rssHeldBytes: number;
  bytesPerConnection: number;
  /** PulseHub's side only: its services' CPU and bytes written over the measured rounds. */
  coresPerThousand?: number;
  bytesPerEvent?: BytesPerEvent;
}

export const fanoutScenario: Scenario = {
  name: 'fanout',
  summary:
    'WebSocket subscribers on one gateway process: connections held, memory per connection, update → last subscriber p99, vs a bare graphql-ws server',
  partitions: 6,
  async run(context) {
    const { namespace, options, log, auth } = context;
    const requested = options.connections ?? DEFAULT_CONNECTIONS;
    const profiles =
      options.profiles ?? Math.max(1, Math.round(requested / SUBSCRIBERS_PER_PROFILE));
    const perProfile = Math.max(1, Math.round(requested / profiles));
    const connections = profiles * perProfile;
    const system = await startScenarioSystem(context, [
      'profile',
      'activity',
      'config',
      'processor',
    ]);
    // Each run gets a fresh server process, so its memory before the connections is a clean
    // baseline rather than what the previous run's connections left behind.
    const freshGateway = async (): Promise<Server> => {
      const gateway = await startService('gateway', namespace, {
        env: { ...auth.serviceEnv, ...subgraphEnv(system.services) },
        ...(context.cpuProfileDir ? { cpuProfileDir: context.cpuProfileDir } : {}),
      });
      return { process: gateway, baseUrl: gateway.baseUrl };
    };
    const freshBareServer = async (): Promise<Server> => {
      const port = await freePort();
      const baseUrl = `http://127.0.0.1:${port}`;
      const child = await spawnNode({
        name: 'bare graphql-ws server',
        entry: 'bench/servers/bare-subscriptions.ts',
        args: [String(port)],
        outputLimit: OUTPUT_TAIL,
        ready: async () => {
          const answer = await fetch(`${baseUrl}/v1/batch`, {
            method: 'POST',
            body: '{"batch":[]}',
          }).catch(() => undefined);
          return answer?.status === 200;
        },
      });
      return { process: child, baseUrl };
    };

    const startRun = await runStarter(namespace, this.partitions);
    const probe = await createFootprintProbe(namespace);
    context.defer(() => probe.close());
    const systemPids = Object.fromEntries(
      Object.entries(system.services).flatMap(([name, service]) =>
        service.child.pid === undefined ? [] : [[name, service.child.pid]],
      ),
    );

    const measure = async (
      startServer: () => Promise<Server>,
      run: number,
      who: string,
      start: ProfileStart = 'fresh',
    ) => {
      const server = await startServer();
      context.defer(() => server.process.stop());
      const { baseUrl } = server;
      const { plan, priorEvents } = await startRun(
        `${namespace.id}-${who}-${run}-${start}`,
        profiles,
        start,
      );
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const rssBeforeBytes = await server.process.rssBytes();
      const worker = await startWorker<FanoutMessage>(
        'bench/workers/fanout-load.ts',
        {
          baseUrl,
          wsUrl: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
          ingestHeaders: who === 'pulsehub' ? auth.ingestHeaders : {},
          connectionParams: who === 'pulsehub' ? auth.connectionParams : {},
          plan,
          perProfile,
          rounds: ROUNDS,
          roundSpreadMs: ROUND_SPREAD_MS,
          pauseMs: PAUSE_MS,
          priorEvents,
        } satisfies FanoutLoadSettings,
        `${who} fanout load`,
      );
      try {
        const held = await worker.next('held');
        const rssHeldBytes = await server.process.rssBytes();
        log(`${who} run ${run}: ${held.open} of ${connections} connections open and delivering`);
        const pulsehub = who === 'pulsehub';
        const pids = { ...systemPids, gateway: server.process.child.pid ?? 0 };
        const footprintBefore = pulsehub ? await probe.mark() : undefined;
        const cpuBefore = readCpu(pids);
        worker.send({ type: 'measure' });
        const { result } = await worker.next('result');
        const cpuAfter = readCpu(pids);
        const cpuSeconds = Object.entries(cpuAfter.processes).reduce(
          (sum, [name, used]) => sum + used - (cpuBefore.processes[name] ?? used),
          0,
        );
        const written = footprintBefore ? await probe.since(footprintBefore) : undefined;
        if (result.failedRequests > 0)
          throw new Error(
            `${who}: ${result.failedRequests} update requests failed: ${result.firstFailure}`,
          );
        return {
          result,
          rssBeforeBytes,
          rssHeldBytes,
          bytesPerConnection: (rssHeldBytes - rssBeforeBytes) / connections,
          ...(written
            ? {
                coresPerThousand: coresPerThousandEvents(cpuSeconds, result.updates),
                bytesPerEvent: perEvent(written.footprint, written.eventsProduced),
              }
            : {}),
        } satisfies Measured;
      } finally {
        await worker.stop();
        await server.process.stop();
      }
    };

    const describe = (measured: Measured) =>
      `p99 ${measured.result.latency.p99.toFixed(1)} ms, ${(measured.bytesPerConnection / 1024).toFixed(1)} KiB/connection, ${measured.result.missing} undelivered`;
    const results = await alternateRuns(
      options.runs,
      async (run) => ({
        fresh: await measure(freshGateway, run, 'pulsehub', 'fresh'),
        history: await measure(freshGateway, run, 'pulsehub', 'history'),
      }),
      (run) => measure(freshBareServer, run, 'bare'),
      ({ run, measured, baseline }) =>
        log(
          `run ${run}: PulseHub on fresh profiles ${describe(measured.fresh)}; with history ${describe(measured.history)}, ${measured.history.coresPerThousand?.toFixed(2)} cores per 1,000 events/s; bare ${describe(baseline)}`,
        ),
    );
    const runs = results.map(({ run, measured, baseline }) => ({
      run,
      pulsehub: measured.fresh,
      pulsehubWithHistory: measured.history,
      bareGraphqlWs: baseline,
    }));
    const baselineName = 'bare graphql-ws server';
    const checksFor = (start: ProfileStart): Check[] => {
      const of = (run: (typeof runs)[number]) =>
        start === 'fresh' ? run.pulsehub : run.pulsehubWithHistory;
      const tail = `, ${startLabel(start)}`;
      const held = Math.min(...runs.map((run) => of(run).result.openAtEnd));
      const missing = Math.max(...runs.map((run) => of(run).result.missing));
      const p99 = compareRuns(
        runs.map((run) => ({
          value: of(run).result.latency.p99,
          baseline: run.bareGraphqlWs.result.latency.p99,
        })),
      );
      const memory = compareRuns(
        runs.map((run) => ({
          value: of(run).bytesPerConnection,
          baseline: run.bareGraphqlWs.bytesPerConnection,
        })),
      );
      return [
        {
          scenario: 'fanout',
          label: `connections held (fewest of the runs)${tail}`,
          unit: 'connections',
          value: held,
          baseline: {
            name: baselineName,
            value: Math.min(...runs.map((run) => run.bareGraphqlWs.result.openAtEnd)),
          },
          target: { kind: 'at-least', value: connections },
        },
        {
          scenario: 'fanout',
          label: `update → last of ${perProfile} subscribers p99${tail}${missing > 0 ? ` (${missing} undelivered)` : ''}`,
          unit: 'ms',
          // An update a subscriber never saw has an infinite latency: the target cannot pass.
          value: missing > 0 ? Number.POSITIVE_INFINITY : p99.value,
          baseline: { name: baselineName, value: p99.baseline },
          ratio: p99.ratio,
          target: { kind: 'below', value: TARGET_P99_MS },
        },
        {
          scenario: 'fanout',
          label: `gateway memory per connection${tail}`,
          unit: 'bytes',
          value: memory.value,
          baseline: { name: baselineName, value: memory.baseline },
          ratio: memory.ratio,
          target: { kind: 'info' },
        },
        coresCheck({
          scenario: 'fanout',
          start,
          who: 'gateway, subgraphs and processor',
          runs: runs.map((run) => of(run).coresPerThousand ?? Number.NaN),
          targeted: false,
        }),
        ...bytesChecks({
          scenario: 'fanout',
          start,
          runs: runs.flatMap((run) => of(run).bytesPerEvent ?? []),
          postgres: false,
        }),
      ];
    };
    const checks = PROFILE_STARTS.flatMap(checksFor);
    return {
      settings: {
        connections,
        profiles,
        perProfile,
        rounds: ROUNDS,
        roundSpreadMs: ROUND_SPREAD_MS,
        pauseMs: PAUSE_MS,
        runs: options.runs,
      },
      runs,
      checks,
    };
  },
};

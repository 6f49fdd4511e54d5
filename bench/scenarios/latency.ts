import { availableParallelism } from 'node:os';
import { parseBrokers } from '../../lib/kafka/client.ts';
import { ensureTopics } from '../../lib/kafka/topics.ts';
import { deleteTopics } from '../../test/support/namespace.ts';
import { benchKafka, deleteGroups } from '../support/kafka.ts';
import { describeCpu } from '../support/cpu.ts';
import { createFootprintProbe, perEvent, type BytesPerEvent } from '../support/footprint.ts';
import { PROFILE_STARTS, type ProfileStart } from '../support/history.ts';
import type { Check } from '../support/report.ts';
import { runStarter } from '../support/run-start.ts';
import { bytesChecks, coresCheck, startLabel } from '../support/steady-checks.ts';
import { alternateRuns, compareRuns, windowMs, type Scenario } from '../support/scenario.ts';
import { ALL_SERVICES, startScenarioSystem } from '../support/services.ts';
import { median } from '../support/stats.ts';
import { runWorker } from '../support/worker.ts';
import type { KafkaRoundTripResult, KafkaRoundTripSettings } from '../workers/kafka-roundtrip.ts';
import type { LatencyLoadResult, LatencyLoadSettings } from '../workers/latency-load.ts';

const DEFAULT_RATES = [500, 1_000, 2_000]; // events per second
const TARGET_RATE = 1_000; // events per second at which the p99 target applies
const TARGET_P99_MS = 50;
const DEFAULT_PROFILES = 100; // one subscriber each
const TICK_MS = 10; // a request every 10 ms carries the events due by then
const DRAIN_MS = 5_000; // wait for late deliveries after the window

export const latencyScenario: Scenario = {
  name: 'latency',
  summary:
    'POST /v1/batch at fixed rates to a graphql-ws subscriber per profile through the gateway, vs a bare Kafka produce→consume',
  partitions: 6,
  async run(context) {
    const { namespace, options, log, auth } = context;
    const rates = options.rates ?? DEFAULT_RATES;
    const profiles = options.profiles ?? DEFAULT_PROFILES;
    const window = windowMs(context);
    const system = await startScenarioSystem(context, ALL_SERVICES);
    const floorTopic = `${namespace.id}.roundtrip`;
    await ensureTopics(parseBrokers(namespace.kafkaBrokers), [
      { topic: floorTopic, numPartitions: this.partitions },
    ]);
    const groups: string[] = [];
    context.defer(async () => {
      const admin = benchKafka(namespace.kafkaBrokers).admin();
      await admin.connect();
      await deleteGroups(admin, groups);
      await admin.disconnect();
      await deleteTopics(namespace.kafkaBrokers, [floorTopic]);
    });
    const wsUrl = `${system.gatewayUrl.replace(/^http/, 'ws')}/graphql`;
    // The services' CPU during each window: shows when the machine, not a hop, is the limit.
    const watchPids = Object.fromEntries(
      Object.entries(system.services).flatMap(([name, service]) =>
        service.child.pid === undefined ? [] : [[name, service.child.pid]],
      ),
    );

    const startRun = await runStarter(namespace, this.partitions);
    const probe = await createFootprintProbe(namespace);
    context.defer(() => probe.close());
    const serviceNames = Object.keys(watchPids);
    const windowSeconds = window.durationMs / 1_000;

    const pulsehub = async (rate: number, run: number, start: ProfileStart) => {
      const { plan, priorEvents } = await startRun(
        `${namespace.id}-${rate}-${run}-${start}`,
        profiles,
        start,
      );
      const before = await probe.mark();
      const result = await runWorker<LatencyLoadResult>(
        'bench/workers/latency-load.ts',
        {
          baseUrl: system.gatewayUrl,
          wsUrl,
          ingestHeaders: auth.ingestHeaders,
          connectionParams: auth.connectionParams,
          plan,
          rate,
          tickMs: TICK_MS,
          ...window,
          drainMs: DRAIN_MS,
          priorEvents,
          watchPids,
        } satisfies LatencyLoadSettings,
        'latency load',
      );
      if (result.failedRequests > 0)
        throw new Error(`${result.failedRequests} ingest requests failed: ${result.firstFailure}`);
      // Bytes over the whole load run (subscriptions proved live, warm-up, window, drain) per
      // event produced in it; CPU over the measured window per event sent in it.
      const { footprint, eventsProduced } = await probe.since(before);
      const servicesCores = serviceNames.reduce(
        (sum, name) => sum + (result.cpu.processes[name] ?? 0),
        0,
      );
      const sentPerSecond = result.sent / windowSeconds;
      return {
        ...result,
        servicesCores,
        coresPerThousand: sentPerSecond > 0 ? servicesCores / (sentPerSecond / 1_000) : Infinity,
        footprint,
        bytesPerEvent: perEvent(footprint, eventsProduced),
      };
    };
    type Measured = Awaited<ReturnType<typeof pulsehub>>;
    const pulsehubOnBoth = async (rate: number, run: number) => ({
      fresh: await pulsehub(rate, run, 'fresh'),
      history: await pulsehub(rate, run, 'history'),
    });
    const floor = async (rate: number, run: number) => {
      const groupId = `${namespace.id}-roundtrip-${rate}-${run}`;
      groups.push(groupId);
      return runWorker<KafkaRoundTripResult>(
        'bench/workers/kafka-roundtrip.ts',
        {
          brokers: namespace.kafkaBrokers,
          topic: floorTopic,
          groupId,
          plan: { runId: groupId, profiles, baseTimeMs: Date.now() },
          rate,
          tickMs: TICK_MS,
          ...window,
          drainMs: DRAIN_MS,
          maxWaitTimeInMs: 20,
        } satisfies KafkaRoundTripSettings,
        'Kafka round trip',
      );
    };

    const describe = (measured: Measured) =>
      `p50 ${measured.latency.p50.toFixed(1)} ms, p99 ${measured.latency.p99.toFixed(1)} ms, ${measured.missing} of ${measured.sent} undelivered, ${measured.coresPerThousand.toFixed(2)} cores per 1,000 events/s, changelog ${(measured.bytesPerEvent.kafkaChangelog / 1024).toFixed(1)} KiB per event`;
    const runs = [];
    const checks: Check[] = [];
    for (const rate of rates) {
      const perRate = (
        await alternateRuns(
          options.runs,
          (run) => pulsehubOnBoth(rate, run),
          (run) => floor(rate, run),
          ({ run, measured, baseline }) =>
            log(
              `${rate}/s run ${run}: fresh ${describe(measured.fresh)}; with history ${describe(measured.history)}; Kafka floor p99 ${baseline.latency.p99.toFixed(1)} ms; ${describeCpu(measured.history.cpu)}`,
            ),
        )
      ).map(({ run, measured, baseline }) => ({
        rate,
        run,
        pulsehub: measured.fresh,
        pulsehubWithHistory: measured.history,
        kafkaRoundTrip: baseline,
      }));
      runs.push(...perRate);
      const rateLabel = `@ ${rate.toLocaleString('en-US')} events/s`;
      for (const start of PROFILE_STARTS) {
        const measuredOf = (run: (typeof perRate)[number]) =>
          start === 'fresh' ? run.pulsehub : run.pulsehubWithHistory;
        const missing = Math.max(...perRate.map((run) => measuredOf(run).missing));
        for (const key of ['p50', 'p95', 'p99'] as const) {
          const compared = compareRuns(
            perRate.map((run) => ({
              value: measuredOf(run).latency[key],
              baseline: run.kafkaRoundTrip.latency[key],
            })),
          );
          const targeted = key === 'p99' && rate === TARGET_RATE && start === 'history';
          checks.push({
            scenario: 'latency',
            label: `${key} ${rateLabel}, ${startLabel(start)}${key === 'p99' && missing > 0 ? ` (${missing} undelivered)` : ''}`,
            unit: 'ms',
            // An event no subscriber ever saw has an infinite latency: the p99 cannot pass.
            value: targeted && missing > 0 ? Number.POSITIVE_INFINITY : compared.value,
            baseline: { name: 'Kafka round trip', value: compared.baseline },
            ratio: compared.ratio,
            target: targeted ? { kind: 'below', value: TARGET_P99_MS } : { kind: 'info' },
          });
        }
        checks.push(
          coresCheck({
            scenario: 'latency',
            start,
            who: 'all six services',
            runs: perRate.map((run) => measuredOf(run).coresPerThousand),
            targeted: rate === TARGET_RATE,
            suffix: rateLabel,
          }),
        );
        if (rate === TARGET_RATE)
          checks.push(
            ...bytesChecks({
              scenario: 'latency',
              start,
              runs: perRate.map((run): BytesPerEvent => measuredOf(run).bytesPerEvent),
              postgres: true,
              suffix: rateLabel,
            }),
          );
      }
      if (rate === TARGET_RATE)
        for (const [label, value] of [
          [
            `CPU busy, machine of ${availableParallelism()} cores`,
            (run: LatencyLoadResult) => run.cpu.machineBusy,
          ],
          ['CPU stolen by the host', (run: LatencyLoadResult) => run.cpu.machineStolen],
        ] as const)
          checks.push({
            scenario: 'latency',
            label: `${label} ${rateLabel}, ${startLabel('history')}`,
            unit: 'cores',
            value: median(perRate.map((run) => value(run.pulsehubWithHistory))),
            target: { kind: 'info' },
          });
    }
    return {
      settings: {
        rates,
        profiles,
        tickMs: TICK_MS,
        ...window,
        drainMs: DRAIN_MS,
        runs: options.runs,
      },
      runs,
      checks,
    };
  },
};

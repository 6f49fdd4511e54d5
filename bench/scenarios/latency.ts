import { availableParallelism } from 'node:os';
import { parseBrokers } from '../../lib/kafka/client.ts';
import { ensureTopics } from '../../lib/kafka/topics.ts';
import { deleteTopics } from '../../test/support/namespace.ts';
import type { EventPlan } from '../support/events.ts';
import { benchKafka, deleteGroups } from '../support/kafka.ts';
import { describeCpu } from '../support/cpu.ts';
import type { Check } from '../support/report.ts';
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

    const pulsehub = async (rate: number, run: number) => {
      const plan: EventPlan = {
        runId: `${namespace.id}-${rate}-${run}`,
        profiles,
        baseTimeMs: Date.now(),
      };
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
          watchPids,
        } satisfies LatencyLoadSettings,
        'latency load',
      );
      if (result.failedRequests > 0)
        throw new Error(`${result.failedRequests} ingest requests failed: ${result.firstFailure}`);
      return result;
    };
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

    const runs = [];
    const checks: Check[] = [];
    for (const rate of rates) {
      const perRate = (
        await alternateRuns(
          options.runs,
          (run) => pulsehub(rate, run),
          (run) => floor(rate, run),
          ({ run, measured, baseline }) =>
            log(
              `${rate}/s run ${run}: p50 ${measured.latency.p50.toFixed(1)} ms, p99 ${measured.latency.p99.toFixed(1)} ms, ${measured.missing} of ${measured.sent} undelivered; Kafka floor p99 ${baseline.latency.p99.toFixed(1)} ms; ${describeCpu(measured.cpu)}`,
            ),
        )
      ).map(({ run, measured, baseline }) => ({
        rate,
        run,
        pulsehub: measured,
        kafkaRoundTrip: baseline,
      }));
      runs.push(...perRate);
      const quantile = (key: 'p50' | 'p95' | 'p99') =>
        compareRuns(
          perRate.map((run) => ({
            value: run.pulsehub.latency[key],
            baseline: run.kafkaRoundTrip.latency[key],
          })),
        );
      const missing = Math.max(...perRate.map((run) => run.pulsehub.missing));
      for (const key of ['p50', 'p95', 'p99'] as const) {
        const compared = quantile(key);
        checks.push({
          scenario: 'latency',
          label: `${key} @ ${rate.toLocaleString('en-US')} events/s${key === 'p99' && missing > 0 ? ` (${missing} undelivered)` : ''}`,
          unit: 'ms',
          value: compared.value,
          baseline: { name: 'Kafka round trip', value: compared.baseline },
          ratio: compared.ratio,
          target:
            key === 'p99' && rate === TARGET_RATE
              ? { kind: 'below', value: TARGET_P99_MS }
              : { kind: 'info' },
        });
      }
      if (missing > 0) {
        // An event no subscriber ever saw has an infinite latency: the p99 cannot pass.
        const p99 = checks.at(-1) as Check;
        if (p99.target.kind === 'below') p99.value = Number.POSITIVE_INFINITY;
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
            label: `${label} @ ${rate.toLocaleString('en-US')} events/s`,
            unit: 'cores',
            value: median(perRate.map((run) => value(run.pulsehub))),
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

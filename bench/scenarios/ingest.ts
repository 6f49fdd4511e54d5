import type { EventPlan } from '../support/events.ts';
import type { LoopResult } from '../support/load/closed-loop.ts';
import { alternateRuns, compareRuns, windowMs, type Scenario } from '../support/scenario.ts';
import { startScenarioSystem } from '../support/services.ts';
import { runWorker } from '../support/worker.ts';
import type { HttpLoadSettings } from '../workers/http-load.ts';
import type { ProducerLoadSettings } from '../workers/kafka-producer-load.ts';

const BATCH_SIZE = 100; // events per request, as the issue fixes it
const DISTINCT_BATCHES = 64; // prepared batches the load generators rotate through
const DEFAULT_CONCURRENCY = 8;
const DEFAULT_PROFILES = 10_000;

/** Fails a run whose load met errors: a figure with failures in it measures something else. */
function expectClean(result: LoopResult, who: string): LoopResult {
  if (result.errors > 0)
    throw new Error(`${who}: ${result.errors} failed requests, first: ${result.firstError}`);
  if (result.operations === 0) throw new Error(`${who}: no request completed in the window`);
  return result;
}

export const ingestScenario: Scenario = {
  name: 'ingest',
  summary: `POST /v1/batch (${BATCH_SIZE} events) vs a bare kafkajs producer sending the same batches`,
  partitions: 6,
  async run(context) {
    const { namespace, options, log, auth } = context;
    const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    const window = windowMs(context);
    const plan: EventPlan = {
      runId: namespace.id,
      profiles: options.profiles ?? DEFAULT_PROFILES,
      baseTimeMs: Date.now(),
    };
    const system = await startScenarioSystem(context, ['profile', 'activity', 'config', 'gateway']);

    const ingest = async () =>
      expectClean(
        await runWorker<LoopResult>(
          'bench/workers/http-load.ts',
          {
            concurrency,
            ...window,
            operation: {
              kind: 'ingest',
              url: `${system.gatewayUrl}/v1/batch`,
              plan,
              batchSize: BATCH_SIZE,
              distinctBatches: DISTINCT_BATCHES,
              headers: auth.ingestHeaders,
            },
          } satisfies HttpLoadSettings,
          'ingest load',
        ),
        'POST /v1/batch',
      );
    const producer = async () =>
      expectClean(
        await runWorker<LoopResult>(
          'bench/workers/kafka-producer-load.ts',
          {
            concurrency,
            ...window,
            brokers: namespace.kafkaBrokers,
            topic: namespace.topics.events,
            plan,
            batchSize: BATCH_SIZE,
            distinctBatches: DISTINCT_BATCHES,
          } satisfies ProducerLoadSettings,
          'producer load',
        ),
        'bare producer',
      );

    const events = (result: LoopResult) => result.perSecond * BATCH_SIZE;
    const results = await alternateRuns(
      options.runs,
      ingest,
      producer,
      ({ run, measured, baseline }) =>
        log(
          `run ${run}: ingest ${Math.round(events(measured))} events/s (p99 ${measured.latency.p99.toFixed(1)} ms), bare producer ${Math.round(events(baseline))} events/s (p99 ${baseline.latency.p99.toFixed(1)} ms)`,
        ),
    );
    const runs = results.map(({ run, measured, baseline }) => ({
      run,
      ingest: measured,
      bareProducer: baseline,
    }));
    const compared = compareRuns(
      runs.map((run) => ({
        value: run.ingest.perSecond * BATCH_SIZE,
        baseline: run.bareProducer.perSecond * BATCH_SIZE,
      })),
    );
    const p99 = compareRuns(
      runs.map((run) => ({
        value: run.ingest.latency.p99,
        baseline: run.bareProducer.latency.p99,
      })),
    );
    return {
      settings: { batchSize: BATCH_SIZE, concurrency, ...window, runs: options.runs },
      runs,
      checks: [
        {
          scenario: 'ingest',
          label: `events/s, ${BATCH_SIZE}-event batches, ${concurrency} in flight`,
          unit: 'events/s',
          value: compared.value,
          baseline: { name: 'bare kafkajs producer', value: compared.baseline },
          ratio: compared.ratio,
          target: { kind: 'min-ratio', value: 0.5 },
        },
        {
          scenario: 'ingest',
          label: 'p99 per batch',
          unit: 'ms',
          value: p99.value,
          baseline: { name: 'bare kafkajs producer', value: p99.baseline },
          ratio: p99.ratio,
          target: { kind: 'info' },
        },
      ],
    };
  },
};

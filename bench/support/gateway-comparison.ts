import { answersGraphQL, freePort, OUTPUT_TAIL, spawnNode } from '../../scripts/node-process.ts';
import type { HttpLoadSettings } from '../workers/http-load.ts';
import type { LoopResult, LoopSettings } from './load/closed-loop.ts';
import type { Check } from './report.ts';
import { compareRuns, type ScenarioContext } from './scenario.ts';
import { runWorker } from './worker.ts';

/** The federated gateways PulseHub's is measured against: their names in reports, their servers. */
export const BASELINE_GATEWAYS = {
  hive: { name: 'Hive Gateway', entry: 'bench/servers/hive-gateway.ts' },
  apollo: { name: 'stock Apollo gateway', entry: 'bench/servers/apollo-gateway.ts' },
} as const;
export type BaselineGateway = keyof typeof BASELINE_GATEWAYS;

/**
 * Starts a baseline gateway on the supergraph, stopped with the scenario; resolves its GraphQL
 * URL once it answers.
 */
export async function startBaselineGateway(
  context: ScenarioContext,
  supergraph: string,
  gateway: BaselineGateway,
): Promise<string> {
  const { name, entry } = BASELINE_GATEWAYS[gateway];
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/graphql`;
  const server = await spawnNode({
    name,
    entry,
    args: [supergraph, String(port)],
    ready: () => answersGraphQL(url),
    outputLimit: OUTPUT_TAIL,
  });
  context.defer(() => server.stop());
  return url;
}

/**
 * A target PulseHub's gateway is compared with: its name in the report, and the throughput
 * ratio PulseHub must reach against it (none: the ratio is reported, not targeted).
 */
export interface GatewayBaseline {
  name: string;
  minRatio?: number;
}

/** PulseHub's gateway (`pulsehub`) against baselines `B`, all answering the same load. */
export interface GatewayComparison<B extends string> {
  scenario: string;
  /** Every target, PulseHub's among them, in the order each run's log line lists them. */
  order: ReadonlyArray<'pulsehub' | NoInfer<B>>;
  runs: number;
  loop: LoopSettings;
  /** What the load asks of a target (bench/workers/http-load.ts). */
  operation: (target: 'pulsehub' | NoInfer<B>) => HttpLoadSettings['operation'];
  /** Who PulseHub is judged against, in the report's order. */
  baselines: Readonly<Record<B, GatewayBaseline>>;
  log: (line: string) => void;
}

type GatewayRun<T extends string> = Record<T, LoopResult> & { run: number };

/**
 * Loads every target once per run and judges PulseHub's throughput and p99 against each
 * baseline's (medians of the per-run ratios, compareRuns).
 */
export async function compareGateways<B extends string>(
  comparison: GatewayComparison<B>,
): Promise<{ runs: Array<GatewayRun<'pulsehub' | B>>; checks: Check[] }> {
  const load = (target: 'pulsehub' | B) =>
    loadTarget(target, { ...comparison.loop, operation: comparison.operation(target) });
  const runs = await rotatedRuns(comparison.order, comparison.runs, load, comparison.log);
  return {
    runs,
    checks: gatewayChecks(
      comparison.scenario,
      comparison.loop.concurrency,
      runs,
      comparison.baselines,
    ),
  };
}

/** One closed-loop load of a target: a failed request fails the benchmark. */
async function loadTarget(target: string, settings: HttpLoadSettings): Promise<LoopResult> {
  const result = await runWorker<LoopResult>(
    'bench/workers/http-load.ts',
    settings,
    `${target} load`,
  );
  if (result.errors > 0)
    throw new Error(`${target}: ${result.errors} failed requests, first: ${result.firstError}`);
  return result;
}

/**
 * Loads every target once per run, rotating who goes first (a drifting machine then weighs on
 * every target alike), and logs each run's figures in `order`.
 */
async function rotatedRuns<T extends string>(
  order: readonly T[],
  runs: number,
  load: (target: T) => Promise<LoopResult>,
  log: (line: string) => void,
): Promise<Array<GatewayRun<T>>> {
  const measured: Array<GatewayRun<T>> = [];
  for (let run = 1; run <= runs; run++) {
    const shift = (run - 1) % order.length;
    const rotated = [...order.slice(shift), ...order.slice(0, shift)];
    const results: Partial<Record<T, LoopResult>> = {};
    for (const target of rotated) results[target] = await load(target);
    const complete = results as Record<T, LoopResult>;
    log(
      `run ${run}: ${order.map((target) => `${target} ${Math.round(complete[target].perSecond)} req/s (p99 ${complete[target].latency.p99.toFixed(1)} ms)`).join(', ')}`,
    );
    measured.push({ run, ...complete });
  }
  return measured;
}

/** Throughput and p99 of PulseHub's gateway against each baseline, in the record's order. */
function gatewayChecks<K extends string>(
  scenario: string,
  concurrency: number,
  runs: ReadonlyArray<Record<'pulsehub' | K, LoopResult>>,
  baselines: Readonly<Record<K, GatewayBaseline>>,
): Check[] {
  return (Object.keys(baselines) as K[]).flatMap((key) => {
    const { name, minRatio } = baselines[key];
    const throughput = compareRuns(
      runs.map((run) => ({ value: run.pulsehub.perSecond, baseline: run[key].perSecond })),
    );
    const p99 = compareRuns(
      runs.map((run) => ({ value: run.pulsehub.latency.p99, baseline: run[key].latency.p99 })),
    );
    return [
      {
        scenario,
        label: `req/s, ${concurrency} in flight`,
        unit: 'req/s' as const,
        value: throughput.value,
        baseline: { name, value: throughput.baseline },
        ratio: throughput.ratio,
        target:
          minRatio === undefined
            ? { kind: 'info' as const }
            : { kind: 'min-ratio' as const, value: minRatio },
      },
      {
        scenario,
        label: 'p99',
        unit: 'ms' as const,
        value: p99.value,
        baseline: { name, value: p99.baseline },
        ratio: p99.ratio,
        target: { kind: 'info' as const },
      },
    ];
  });
}

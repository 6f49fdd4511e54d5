import { answersGraphQL, freePort, OUTPUT_TAIL, spawnNode } from '../../scripts/node-process.ts';
import type { LoopResult } from './load/closed-loop.ts';
import type { Check } from './report.ts';
import { compareRuns, type ScenarioContext } from './scenario.ts';

/**
 * Starts a baseline gateway (bench/servers/*-gateway.ts) on the supergraph, stopped with the
 * scenario; resolves its GraphQL URL once it answers.
 */
export async function startBaselineGateway(
  context: ScenarioContext,
  supergraph: string,
  name: string,
  entry: string,
): Promise<string> {
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

/** A gateway PulseHub is compared with, and the throughput ratio it must reach (if any). */
export interface GatewayBaseline<K extends string> {
  key: K;
  name: string;
  minRatio?: number;
}

/**
 * Throughput and p99 of PulseHub's gateway against each baseline, over the runs (medians of
 * the per-run ratios, compareRuns).
 */
export function gatewayChecks<K extends string>(
  scenario: string,
  concurrency: number,
  runs: ReadonlyArray<Record<'pulsehub' | K, LoopResult>>,
  baselines: ReadonlyArray<GatewayBaseline<K>>,
): Check[] {
  return baselines.flatMap(({ key, name, minRatio }) => {
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

// The one table `npm run chaos` prints (and docs/reliability.md shows).
import type { ChaosOutcome } from './scenario.ts';
import { kept } from './scenario.ts';

export type ScenarioResult =
  { name: string; outcome: ChaosOutcome } | { name: string; error: string };

const HEADER = [
  'scenario',
  'acknowledged',
  'of them retried',
  'lost',
  'counted twice',
  'archived missing',
  'archived twice',
  'time to recover',
  'result',
];

const count = (n: number) => n.toLocaleString('en-US');

function row(result: ScenarioResult): string[] {
  if ('error' in result)
    return [
      result.name,
      ...HEADER.slice(1, -1).map(() => ''),
      `error: ${result.error.split('\n')[0]}`,
    ];
  const { tally, recoverMs } = result.outcome;
  const failed = result.outcome.checks.filter((check) => !check.ok).map((check) => check.name);
  return [
    result.name,
    count(tally.acknowledged),
    count(tally.retriedThenAcked),
    count(tally.lost),
    count(tally.countedTwice),
    count(tally.archivedMissing),
    count(tally.archivedTwice),
    recoverMs === null ? 'never' : `${(recoverMs / 1_000).toFixed(1)} s`,
    kept(result.outcome) ? 'pass' : `fail${failed.length > 0 ? `: ${failed.join('; ')}` : ''}`,
  ];
}

/** A Markdown table, so the same text goes into docs/reliability.md. */
export function formatTable(results: readonly ScenarioResult[]): string {
  const rows = [HEADER, ...results.map(row)];
  const widths = HEADER.map((_, column) =>
    Math.max(...rows.map((cells) => (cells[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [
    line(HEADER),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.slice(1).map(line),
  ].join('\n');
}

/** Every check of every scenario, one line each, for the log under the table. */
export function formatChecks(results: readonly ScenarioResult[]): string {
  return results
    .flatMap((result) =>
      'error' in result
        ? []
        : result.outcome.checks.map(
            (check) => `${check.ok ? '✓' : '✗'} ${result.name}: ${check.name} — ${check.detail}`,
          ),
    )
    .join('\n');
}

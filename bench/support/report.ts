/** What a measured figure must reach to pass. */
export type Target =
  /** PulseHub ÷ baseline must be at least `value` (throughput: higher is better). */
  | { kind: 'min-ratio'; value: number }
  /** The figure must stay below `value` (latency, memory: lower is better). */
  | { kind: 'below'; value: number }
  /** The figure must reach at least `value` (e.g. connections held). */
  | { kind: 'at-least'; value: number }
  /** Shown for context; no pass or fail. */
  | { kind: 'info' };

export type Unit = 'events/s' | 'rows/s' | 'req/s' | 'ms' | 'bytes' | 'connections' | 'cores';

/** One line of the results table: a figure of PulseHub beside its baseline. */
export interface Check {
  scenario: string;
  label: string;
  unit: Unit;
  /** PulseHub's figure (the median over runs). */
  value: number;
  baseline?: { name: string; value: number };
  /** PulseHub ÷ baseline: the median of the per-run ratios. */
  ratio?: number;
  target: Target;
}

export type Verdict = 'pass' | 'fail' | 'info';

export function verdict(check: Check): Verdict {
  const { target } = check;
  switch (target.kind) {
    case 'info':
      return 'info';
    case 'min-ratio':
      return check.ratio !== undefined && check.ratio >= target.value ? 'pass' : 'fail';
    case 'below':
      return check.value < target.value ? 'pass' : 'fail';
    case 'at-least':
      return check.value >= target.value ? 'pass' : 'fail';
    default: {
      const unreachable: never = target;
      throw new Error(`unknown target ${JSON.stringify(unreachable)}`);
    }
  }
}

export function formatValue(value: number, unit: Unit): string {
  if (!Number.isFinite(value)) return '—';
  switch (unit) {
    case 'ms':
      return `${value.toFixed(1)} ms`;
    case 'bytes':
      return `${(value / 1024).toFixed(1)} KiB`;
    case 'cores':
      return `${value.toFixed(2)} cores`;
    default:
      return `${Math.round(value).toLocaleString('en-US')} ${unit}`;
  }
}

export function describeTarget(target: Target, unit: Unit): string {
  switch (target.kind) {
    case 'info':
      return '';
    case 'min-ratio':
      return `≥ ${target.value.toFixed(2)}×`;
    case 'below':
      return `< ${formatValue(target.value, unit)}`;
    case 'at-least':
      return `≥ ${formatValue(target.value, unit)}`;
    default: {
      const unreachable: never = target;
      throw new Error(`unknown target ${JSON.stringify(unreachable)}`);
    }
  }
}

/** A scenario that could not produce its figures, with the reason. */
export interface ScenarioFailure {
  scenario: string;
  message: string;
}

const HEADER = ['scenario', 'measure', 'PulseHub', 'baseline', 'ratio', 'target', 'result'];

/** The results as a Markdown table: readable in a terminal and pasted as is into docs/performance.md. */
export function formatTable(
  checks: readonly Check[],
  failures: readonly ScenarioFailure[],
): string {
  const rows = checks.map((check) => [
    check.scenario,
    check.label,
    formatValue(check.value, check.unit),
    check.baseline
      ? `${formatValue(check.baseline.value, check.unit)} (${check.baseline.name})`
      : '',
    check.ratio !== undefined && Number.isFinite(check.ratio) ? `${check.ratio.toFixed(2)}×` : '',
    describeTarget(check.target, check.unit),
    verdict(check),
  ]);
  for (const failure of failures) {
    const firstLine = failure.message.split('\n')[0] ?? '';
    rows.push([failure.scenario, firstLine.slice(0, 120), '', '', '', '', 'error']);
  }
  const widths = HEADER.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [
    line(HEADER),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map((row) => line(row)),
  ].join('\n');
}

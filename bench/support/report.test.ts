import { describe, expect, it } from 'vitest';
import { formatTable, verdict, type Check } from './report.ts';

const drain: Check = {
  scenario: 'processor',
  label: 'drain rate',
  unit: 'events/s',
  value: 6_000,
  baseline: { name: 'bare kafkajs consumer', value: 10_000 },
  ratio: 0.6,
  target: { kind: 'min-ratio', value: 0.5 },
};

describe('verdict', () => {
  it('passes a ratio at or above its target and fails one below', () => {
    expect(verdict(drain)).toBe('pass');
    expect(verdict({ ...drain, ratio: 0.5 })).toBe('pass');
    expect(verdict({ ...drain, ratio: 0.49 })).toBe('fail');
  });

  it('fails a ratio target when no ratio could be computed', () => {
    const { ratio: _ratio, ...withoutRatio } = drain;
    expect(verdict(withoutRatio)).toBe('fail');
  });

  it('needs a latency strictly below its bound', () => {
    const p99: Check = {
      scenario: 'latency',
      label: 'p99 @ 1,000 events/s',
      unit: 'ms',
      value: 49.9,
      target: { kind: 'below', value: 50 },
    };
    expect(verdict(p99)).toBe('pass');
    expect(verdict({ ...p99, value: 50 })).toBe('fail');
    expect(verdict({ ...p99, value: NaN })).toBe('fail');
  });

  it('counts held connections against at-least targets, and info as info', () => {
    const held: Check = {
      scenario: 'fanout',
      label: 'connections held',
      unit: 'connections',
      value: 10_000,
      target: { kind: 'at-least', value: 10_000 },
    };
    expect(verdict(held)).toBe('pass');
    expect(verdict({ ...held, value: 9_999 })).toBe('fail');
    expect(verdict({ ...held, target: { kind: 'info' } })).toBe('info');
  });
});

describe('formatTable', () => {
  it('prints a Markdown table with units, ratio, target, verdict and failures', () => {
    const table = formatTable(
      [drain],
      [{ scenario: 'latency', message: 'no graphql-ws at /graphql\nstack' }],
    );
    const lines = table.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^\| scenario +\| measure +\| PulseHub +\| baseline/);
    expect(lines[1]).toMatch(/^\| -+ \| -+ \|/);
    expect(lines[2]).toContain('6,000 events/s');
    expect(lines[2]).toContain('10,000 events/s (bare kafkajs consumer)');
    expect(lines[2]).toContain('0.60×');
    expect(lines[2]).toContain('≥ 0.50×');
    expect(lines[2]).toMatch(/pass +\|$/);
    expect(lines[3]).toContain('no graphql-ws at /graphql');
    expect(lines[3]).not.toContain('stack');
    expect(lines[3]).toMatch(/error +\|$/);
    // Every row has the same width, so the columns line up in a terminal.
    expect(new Set(lines.map((line) => line.length)).size).toBe(1);
  });
});

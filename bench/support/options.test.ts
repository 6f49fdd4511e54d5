import { describe, expect, it } from 'vitest';
import { UsageError } from '../../scripts/command-line.ts';
import { parseBenchArgs } from './options.ts';

const known = ['processor', 'latency', 'gateway'];

describe('parseBenchArgs', () => {
  it('runs every scenario with three runs by default', () => {
    expect(parseBenchArgs([], known)).toEqual({ scenarios: known, runs: 3, cpuProf: false });
  });

  it('takes scenarios as positionals and numbers with underscores', () => {
    expect(
      parseBenchArgs(
        ['gateway', 'processor', '--events', '5_000', '--runs', '1', '--rates', '500, 1000'],
        known,
      ),
    ).toEqual({
      scenarios: ['gateway', 'processor'],
      runs: 1,
      events: 5_000,
      rates: [500, 1_000],
      cpuProf: false,
    });
  });

  it('accepts fractional seconds but whole counts only', () => {
    expect(parseBenchArgs(['--duration', '0.5'], known)).toMatchObject({ durationSeconds: 0.5 });
    expect(() => parseBenchArgs(['--events', '1.5'], known)).toThrow('--events must be a whole');
  });

  it('names what is wrong', () => {
    expect(() => parseBenchArgs(['fanout'], known)).toThrow(
      'unknown scenario fanout; known: processor, latency, gateway',
    );
    expect(() => parseBenchArgs(['--runs', '0'], known)).toThrow(UsageError);
    expect(() => parseBenchArgs(['--bogus'], known)).toThrow(UsageError);
  });

  it('asks for the usage text', () => {
    expect(parseBenchArgs(['--help'], known)).toBe('help');
  });
});

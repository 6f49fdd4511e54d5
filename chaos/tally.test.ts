import { describe, expect, it } from 'vitest';
import { UsageError } from '../scripts/command-line.ts';
import { parseChaosArgs } from './options.ts';
import { tallyArchive, tallyCounters } from './tally.ts';

const counters = (eventCounts: Record<string, number>) => ({
  eventCount: Object.values(eventCounts).reduce((sum, n) => sum + n, 0),
  eventCounts,
});

describe('tallyCounters', () => {
  const expected = new Map([
    ['a', counters({ View: 3, Buy: 1 })],
    ['b', counters({ View: 2 })],
  ]);

  it('is all zeros when every profile counts what was acknowledged', () => {
    expect(
      tallyCounters(expected, ['a', 'b'], [counters({ View: 3, Buy: 1 }), counters({ View: 2 })]),
    ).toEqual({
      lost: 0,
      countedTwice: 0,
      profilesWrong: 0,
    });
  });

  it('counts a missing profile as lost and an excess, per event name, as counted twice', () => {
    // a: one View short and one Buy too many (same eventCount, still wrong); b: no profile.
    expect(tallyCounters(expected, ['a', 'b'], [counters({ View: 2, Buy: 2 }), undefined])).toEqual(
      {
        lost: 3,
        countedTwice: 1,
        profilesWrong: 2,
      },
    );
  });

  it('counts an event name that was never acknowledged as counted twice', () => {
    expect(tallyCounters(expected, ['b'], [counters({ View: 2, Other: 1 })])).toEqual({
      lost: 0,
      countedTwice: 1,
      profilesWrong: 1,
    });
  });
});

describe('tallyArchive', () => {
  it('finds acknowledged events missing or stored twice, and allows unacknowledged ones', () => {
    const acknowledged = new Set(['m1', 'm2', 'm3']);
    const archived = new Map([
      ['m1', 1],
      ['m2', 3],
      ['m9', 1],
    ]);
    expect(tallyArchive(acknowledged, archived)).toEqual({
      archivedMissing: 1,
      archivedTwice: 2,
      archivedUnacknowledged: 1,
    });
  });
});

describe('parseChaosArgs', () => {
  const known = ['consumers-killed', 'broker-dies'];

  it('runs every scenario at full size by default', () => {
    expect(parseChaosArgs([], known)).toEqual({ scenarios: known, size: 'full' });
  });

  it('takes --only (in the suite order) and --short', () => {
    expect(parseChaosArgs(['--only', 'broker-dies', '--short'], known)).toEqual({
      scenarios: ['broker-dies'],
      size: 'short',
    });
    expect(parseChaosArgs(['--only=broker-dies,consumers-killed'], known)).toEqual({
      scenarios: known,
      size: 'full',
    });
  });

  it('refuses unknown scenarios and arguments', () => {
    expect(() => parseChaosArgs(['--only', 'nope'], known)).toThrow(UsageError);
    expect(() => parseChaosArgs(['--fast'], known)).toThrow(UsageError);
  });
});

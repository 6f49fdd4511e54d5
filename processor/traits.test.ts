import { describe, expect, it } from 'vitest';
import { defaultLimits } from './test-events.ts';
import { mergeTraits, traitUsage } from './traits.ts';

const empty = { traits: {}, traitTimes: {} };
const L = defaultLimits;

describe('mergeTraits', () => {
  it('sets new keys and keeps keys the identify does not mention', () => {
    const first = mergeTraits(empty, { a: 1, b: 2 }, 't1', L);
    expect(mergeTraits(first, { b: 3 }, 't2', L).traits).toEqual({ a: 1, b: 3 });
  });

  it('removes a key set to null', () => {
    const first = mergeTraits(empty, { a: 1, b: 2 }, 't1', L);
    expect(mergeTraits(first, { a: null }, 't2', L).traits).toEqual({ b: 2 });
  });

  it('keeps a newer value against an older identify, per key', () => {
    const newer = mergeTraits(empty, { plan: 'pro' }, '2026-01-02', L);
    const merged = mergeTraits(newer, { plan: 'free', city: 'Oslo' }, '2026-01-01', L);
    expect(merged.traits).toEqual({ plan: 'pro', city: 'Oslo' });
  });

  it('lets the later identify win on equal timestamps', () => {
    const first = mergeTraits(empty, { plan: 'free' }, 't', L);
    expect(mergeTraits(first, { plan: 'pro' }, 't', L).traits).toEqual({ plan: 'pro' });
  });

  it('replaces nested objects whole', () => {
    const first = mergeTraits(empty, { address: { city: 'Oslo', zip: '0150' } }, 't1', L);
    expect(mergeTraits(first, { address: { city: 'Bergen' } }, 't2', L).traits).toEqual({
      address: { city: 'Bergen' },
    });
  });

  it('returns the same state when nothing applies', () => {
    const newer = mergeTraits(empty, { plan: 'pro' }, 't2', L);
    const merged = mergeTraits(newer, { plan: 'free' }, 't1', L);
    expect(merged.traits).toBe(newer.traits);
    expect(merged.traitTimes).toBe(newer.traitTimes);
  });

  describe('at the bounds', () => {
    const small = { traitKeys: 3, traitBytes: 1_024 };

    it('refuses a new key beyond traitKeys and counts it; known keys still update', () => {
      const full = mergeTraits(empty, { a: 1, b: 2, c: 3 }, 't1', small);
      const next = mergeTraits(full, { d: 4, a: 10 }, 't2', small);
      expect(next.traits).toEqual({ a: 10, b: 2, c: 3 });
      expect(next.traitTimes).not.toHaveProperty('d');
      expect(next.refused).toEqual({ traitKeys: 1, traitBytes: 0 });
    });

    it('refuses a value that would grow the traits past traitBytes, keeping the old one', () => {
      const start = mergeTraits(empty, { bio: 'x'.repeat(500) }, 't1', small);
      const grown = mergeTraits(
        start,
        { bio: 'y'.repeat(900), note: 'n'.repeat(600) },
        't2',
        small,
      );
      expect(grown.traits['bio']).toBe('y'.repeat(900));
      expect(grown.traits).not.toHaveProperty('note');
      expect(grown.refused).toEqual({ traitKeys: 0, traitBytes: 1 });
      const tooBig = mergeTraits(grown, { bio: 'z'.repeat(2_000) }, 't3', small);
      expect(tooBig.traits['bio']).toBe('y'.repeat(900));
      expect(tooBig.traitTimes['bio']).toBe('t2');
      expect(tooBig.refused).toEqual({ traitKeys: 0, traitBytes: 1 });
    });

    it('keeps usage within the bounds, counting keys and JSON bytes', () => {
      const merged = mergeTraits(empty, { a: 'é', b: { c: [1, 2] } }, 't1', small);
      // "a" + "é" (2 bytes + quotes) and "b" + {"c":[1,2]}
      expect(merged.usage).toEqual({ keys: 2, bytes: 3 + 4 + 3 + 11 });
      expect(traitUsage(merged)).toEqual(merged.usage);
    });

    it('forgets the oldest removals to make room for a new key', () => {
      const set = mergeTraits(empty, { a: 1, b: 2, c: 3 }, 't1', small);
      const removedB = mergeTraits(set, { b: null }, 't2', small);
      const removedA = mergeTraits(removedB, { a: null }, 't3', small);
      const added = mergeTraits(removedA, { d: 4 }, 't4', small);
      expect(added.traits).toEqual({ c: 3, d: 4 });
      // b was removed first, so its removal is the one forgotten.
      expect(added.traitTimes).toEqual({ a: 't3', c: 't1', d: 't4' });
      expect(added.refused).toEqual({ traitKeys: 0, traitBytes: 0 });
      expect(traitUsage(added)).toEqual(added.usage);
    });

    it('lets a profile above a lowered bound shrink and remove its traits', () => {
      const big = mergeTraits(empty, { a: 'x'.repeat(800), b: 1 }, 't1', small);
      const lowered = { traitKeys: 1, traitBytes: 100 };
      const shrunk = mergeTraits(big, { a: 'short', b: null, c: 1 }, 't2', lowered);
      expect(shrunk.traits).toEqual({ a: 'short' });
      expect(shrunk.refused).toEqual({ traitKeys: 1, traitBytes: 0 });
    });

    it('stores keys such as __proto__ and constructor as plain keys', () => {
      const hostile = JSON.parse('{"__proto__":{"polluted":true},"constructor":"c"}') as Record<
        string,
        unknown
      >;
      const merged = mergeTraits(empty, hostile, 't1', small);
      expect(Object.getPrototypeOf(merged.traits)).toBe(Object.prototype);
      expect(JSON.parse(JSON.stringify(merged.traits))).toEqual(hostile);
      expect(merged.usage.keys).toBe(2);
    });
  });
});

import { describe, expect, it } from 'vitest';
import { mergeTraits } from './traits.ts';

const empty = { traits: {}, traitTimes: {} };

describe('mergeTraits', () => {
  it('sets new keys and keeps keys the identify does not mention', () => {
    const first = mergeTraits(empty, { a: 1, b: 2 }, 't1');
    expect(mergeTraits(first, { b: 3 }, 't2').traits).toEqual({ a: 1, b: 3 });
  });

  it('removes a key set to null', () => {
    const first = mergeTraits(empty, { a: 1, b: 2 }, 't1');
    expect(mergeTraits(first, { a: null }, 't2').traits).toEqual({ b: 2 });
  });

  it('keeps a newer value against an older identify, per key', () => {
    const newer = mergeTraits(empty, { plan: 'pro' }, '2026-01-02');
    const merged = mergeTraits(newer, { plan: 'free', city: 'Oslo' }, '2026-01-01');
    expect(merged.traits).toEqual({ plan: 'pro', city: 'Oslo' });
  });

  it('lets the later identify win on equal timestamps', () => {
    const first = mergeTraits(empty, { plan: 'free' }, 't');
    expect(mergeTraits(first, { plan: 'pro' }, 't').traits).toEqual({ plan: 'pro' });
  });

  it('replaces nested objects whole', () => {
    const first = mergeTraits(empty, { address: { city: 'Oslo', zip: '0150' } }, 't1');
    expect(mergeTraits(first, { address: { city: 'Bergen' } }, 't2').traits).toEqual({
      address: { city: 'Bergen' },
    });
  });

  it('returns the same state when nothing applies', () => {
    const newer = mergeTraits(empty, { plan: 'pro' }, 't2');
    expect(mergeTraits(newer, { plan: 'free' }, 't1')).toBe(newer);
  });
});

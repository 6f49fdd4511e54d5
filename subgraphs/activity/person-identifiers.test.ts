import { describe, expect, it } from 'vitest';
import { withIdentifier } from './person-identifiers.ts';

describe('withIdentifier', () => {
  it("keeps a snapshot's identifiers that include the one asked for", () => {
    expect(withIdentifier(['a1', 'u1'], 'a1')).toEqual(['a1', 'u1']);
  });

  it('adds the one asked for, and reads nothing but strings', () => {
    expect(withIdentifier(['u1', 7, null], 'a1')).toEqual(['a1', 'u1']);
    expect(withIdentifier(undefined, 'a1')).toEqual(['a1']);
    expect(withIdentifier({ not: 'a list' }, 'a1')).toEqual(['a1']);
  });
});

import { describe, expect, it } from 'vitest';
import { mayHoldUnstorable, unstorableFields } from './storable.ts';

describe('unstorableFields', () => {
  it('names U+0000 and unpaired surrogates in values and keys, anywhere, in the order sent', () => {
    const value = {
      properties: { note: 'a\u0000b', fine: 'caf\u00e9 \ud83d\ude00', list: ['ok', 'x\ud800'] },
      traits: { 'bad\u0000key': 1, nested: { deep: ['\udc00y'] } },
    };
    expect(unstorableFields(value)).toEqual([
      { field: 'properties.note', message: 'contains U+0000, which PostgreSQL cannot store' },
      {
        field: 'properties.list[1]',
        message: 'contains an unpaired UTF-16 surrogate (U+D800), which PostgreSQL cannot store',
      },
      {
        field: 'traits.bad\\u0000key',
        message: 'the key contains U+0000, which PostgreSQL cannot store',
      },
      {
        field: 'traits.nested.deep[0]',
        message: 'contains an unpaired UTF-16 surrogate (U+DC00), which PostgreSQL cannot store',
      },
    ]);
  });

  it('passes paired surrogates, other control characters and non-strings', () => {
    expect(
      unstorableFields({ a: '\ud83d\ude00', b: '\u0001\u001f\u007f\ufffe\uffff', c: 1, d: null }),
    ).toEqual([]);
  });

  it('reports a high surrogate followed by another high surrogate, and a reversed pair', () => {
    expect(unstorableFields({ a: '\ud800\ud800', b: '\ude00\ud83d' }).map((e) => e.field)).toEqual([
      'a',
      'b',
    ]);
  });

  it('walks a deeply nested value without overflowing the stack, and reports at most 10', () => {
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const [found] = unstorableFields({ deep });
    expect(found?.field).toMatch(/^deep\[0\]\[0\].*…$/);
    expect(found?.field.length).toBeLessThanOrEqual(201);
    const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, '\u0000']));
    expect(unstorableFields(many)).toHaveLength(10);
  });
});

describe('mayHoldUnstorable', () => {
  it('clears JSON text without a \\u escape of U+0000 or a surrogate', () => {
    expect(mayHoldUnstorable(JSON.stringify({ a: 'caf\u00e9 \ud83d\ude00', b: '\u0001' }))).toBe(
      false,
    );
  });

  it('flags the escapes JSON.stringify writes and the ones other producers write', () => {
    expect(mayHoldUnstorable(JSON.stringify({ a: '\u0000' }))).toBe(true);
    expect(mayHoldUnstorable(JSON.stringify({ a: '\ud800' }))).toBe(true);
    expect(mayHoldUnstorable('{"a":"\\uD83D\\uDE00"}')).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { lagOf, totalOf } from './offsets.ts';

const ends = [
  { partition: 0, high: '120', low: '0' },
  { partition: 1, high: '80', low: '30' },
];

describe('Kafka offset figures', () => {
  it('counts a topic by the sum of its end offsets', () => {
    expect(totalOf(ends)).toBe(200);
    expect(totalOf([])).toBe(0);
  });

  it('counts lag per partition from the committed offset', () => {
    expect(
      lagOf(ends, [
        { partition: 0, offset: '100' },
        { partition: 1, offset: '80' },
      ]),
    ).toBe(20);
  });

  it('counts what the log still holds where the group never committed', () => {
    expect(lagOf(ends, [{ partition: 0, offset: '-1' }])).toBe(120 + 50);
  });
});

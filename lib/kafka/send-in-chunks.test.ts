import { describe, expect, it } from 'vitest';
import { chunkMessages } from './send-in-chunks.ts';

const message = (bytes: number) => ({ key: 'k', value: 'x'.repeat(bytes) });

describe('chunkMessages', () => {
  it('keeps every message, in order, in chunks below the limit', () => {
    const messages = Array.from({ length: 100 }, (_, i) => ({
      key: String(i),
      value: 'x'.repeat(1_000),
    }));
    const chunks = chunkMessages(messages, 10_000);
    expect(chunks.flat()).toEqual(messages);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) {
      const bytes = chunk.reduce(
        (sum, m) => sum + String(m.key).length + String(m.value).length + 64,
        0,
      );
      expect(bytes).toBeLessThanOrEqual(10_000);
    }
  });

  it('sends a message larger than the limit on its own', () => {
    expect(
      chunkMessages([message(10), message(50_000), message(10)], 10_000).map((c) => c.length),
    ).toEqual([1, 1, 1]);
  });

  it('makes no chunk of nothing', () => {
    expect(chunkMessages([])).toEqual([]);
  });
});

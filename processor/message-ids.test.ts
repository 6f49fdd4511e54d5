import { describe, expect, it } from 'vitest';
import { messageIdHash, windowLookup } from './message-ids.ts';

describe('windowLookup', () => {
  it('answers like a set of the window as it grows, before and after it builds one', () => {
    const window = Array.from({ length: 1_000 }, (_, i) => messageIdHash(`m${i}`));
    const lookup = windowLookup(window);
    for (let i = 0; i < 40; i++) {
      // Past the first lookups the answers come from a set: pushes must reach it too.
      expect(lookup.has(messageIdHash(`m${i * 25}`))).toBe(true);
      expect(lookup.has(messageIdHash(`new${i}`))).toBe(false);
      window.push(messageIdHash(`new${i}`));
      lookup.added(messageIdHash(`new${i}`));
      expect(lookup.has(messageIdHash(`new${i}`))).toBe(true);
    }
  });
});

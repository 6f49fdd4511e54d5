import { describe, expect, it } from 'vitest';
import { isErased, parseFence, predatesFence } from './erasure-fence.ts';

describe('erasure fence', () => {
  const fence = { id: 'f1', offsets: { '0': 10, '1': 0 } };

  it('erases exactly the events below their partition’s fence', () => {
    expect(isErased(fence, 0, 9)).toBe(true);
    expect(isErased(fence, 0, 10)).toBe(false);
    expect(isErased(fence, 1, 0)).toBe(false);
    // A partition added after the deletion held none of the profile's events.
    expect(isErased(fence, 7, 0)).toBe(false);
  });

  it('tells a profile built before the fence from one built after it', () => {
    expect(predatesFence(fence, { '0': 9 })).toBe(true);
    expect(predatesFence(fence, { '0': 10 })).toBe(false);
    expect(predatesFence(fence, { '0': 12, '1': 3 })).toBe(false);
    expect(predatesFence(fence, {})).toBe(false);
  });

  it('reads the stored JSON, and nothing else', () => {
    expect(parseFence(JSON.stringify(fence))).toEqual(fence);
    expect(parseFence(null)).toBeUndefined();
    expect(parseFence('{"offsets":{}}')).toBeUndefined();
  });
});

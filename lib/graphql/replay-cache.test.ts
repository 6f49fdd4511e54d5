import { describe, expect, it } from 'vitest';
import { createReplayCache } from './replay-cache.ts';

const now = 1_800_000_000_000; // a fixed instant, ms
const second = now / 1_000;

describe('the replay cache', () => {
  it('accepts a signature once', () => {
    const cache = createReplayCache({ windowSeconds: 30, maxEntries: 1_000 });
    expect(cache.admit(second, 'a', now)).toBe('fresh');
    expect(cache.admit(second, 'a', now + 29_000)).toBe('replayed');
    // The same nonce under another time is another signature.
    expect(cache.admit(second + 1, 'a', now)).toBe('fresh');
    expect(cache.admit(second, 'b', now)).toBe('fresh');
    expect(cache.size()).toBe(3);
  });

  it('remembers each signature until its time leaves the window, then forgets it', () => {
    const cache = createReplayCache({ windowSeconds: 30, maxEntries: 1_000 });
    cache.admit(second, 'a', now);
    cache.admit(second + 10, 'b', now);
    expect(cache.admit(second, 'a', now + 30_000)).toBe('replayed');
    // Past the window the signature itself is refused as expired; the cache lets it go.
    expect(cache.admit(second + 20, 'c', now + 31_000)).toBe('fresh');
    expect(cache.size()).toBe(2);
    expect(cache.admit(second + 10, 'b', now + 31_000)).toBe('replayed');
    cache.admit(second + 60, 'd', now + 60_000);
    expect(cache.size()).toBe(1);
  });

  it('refuses new signatures when full rather than forget live ones', () => {
    const cache = createReplayCache({ windowSeconds: 30, maxEntries: 2 });
    expect(cache.admit(second, 'a', now)).toBe('fresh');
    expect(cache.admit(second, 'b', now)).toBe('fresh');
    expect(cache.admit(second, 'c', now)).toBe('full');
    // A replay is still named as such, and the remembered ones stay.
    expect(cache.admit(second, 'a', now)).toBe('replayed');
    expect(cache.size()).toBe(2);
    // Room again once the window has passed them.
    expect(cache.admit(second + 31, 'c', now + 31_000)).toBe('fresh');
    expect(cache.size()).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import {
  HASH_CHARS,
  RING_SLOTS,
  chunkSize,
  chunksOf,
  parseChunk,
  wholeRing,
  windowOf,
  type RingChunk,
} from './message-id-ring.ts';

/** The hash remembered as number n: fixed-width like messageIdHash's. */
const hashOf = (n: number) => `h${String(n).padStart(HASH_CHARS - 1, '0')}`;

/** A profile's window kept as the processor keeps it: writes of a few hashes each. */
class Window {
  recent: string[] = [];
  count = 0;
  readonly slots: Array<string | null> = Array.from({ length: RING_SLOTS }, () => null);
  constructor(readonly window: number) {}

  remember(n: number): RingChunk[] {
    for (let i = 0; i < n; i++) this.recent.push(hashOf(this.count++));
    this.recent = this.recent.slice(-this.window);
    const chunks = chunksOf(this.recent, this.count, n, this.window);
    this.store(chunks);
    return chunks;
  }

  store(chunks: readonly RingChunk[]): void {
    for (const { slot, text } of chunks) this.slots[slot] = text;
  }

  readBack(): string[] {
    return windowOf(this.slots, this.count).slice(-this.window);
  }
}

describe('the dedupe window in chunks', () => {
  it('reads back exactly the newest hashes after writes of every size, far past the window', () => {
    const kept = new Window(1_000);
    const sizes = [1, 1, 3, 40, 1, 7, 200, 1, 1, 33, 999, 1, 1_500, 2, 5];
    for (let round = 0; round < 30; round++)
      for (const size of sizes) {
        kept.remember(size);
        expect(kept.readBack()).toEqual(kept.recent);
      }
    expect(kept.recent).toHaveLength(1_000);
  });

  it('writes only the chunk a single event touched: bytes per write do not grow with the window', () => {
    const kept = new Window(1_000);
    kept.remember(5_000);
    for (let event = 0; event < 100; event++) {
      const chunks = kept.remember(1);
      // One chunk of at most chunkSize(1,000) = 33 hashes, usually fewer.
      expect(chunks).toHaveLength(1);
      expect(chunks[0]?.text?.length ?? 0).toBeLessThanOrEqual(
        String(kept.count).length + 1 + chunkSize(1_000) * HASH_CHARS,
      );
    }
  });

  it('numbers every hash, so chunks read back in any order give the same window', () => {
    const kept = new Window(100);
    kept.remember(257);
    const shuffled = [...kept.slots].reverse();
    expect(windowOf(shuffled, kept.count).slice(-100)).toEqual(kept.recent);
  });

  it('clears the slots a whole ring does not use: an old window cannot come back', () => {
    const old = new Window(1_000);
    old.remember(900);
    const fresh = new Window(1_000);
    fresh.count = old.count; // a profile that starts over numbers on
    fresh.recent = [hashOf(old.count)];
    fresh.count += 1;
    old.store(wholeRing(fresh.recent, fresh.count, 1_000));
    expect(windowOf(old.slots, fresh.count)).toEqual(fresh.recent);
  });

  it('keeps what it can when the window length changes: never a hash that is not the profile’s', () => {
    const kept = new Window(1_000);
    kept.remember(2_000);
    const longer = new Window(5_000);
    longer.recent = kept.recent;
    longer.count = kept.count;
    longer.slots.splice(0, RING_SLOTS, ...kept.slots);
    longer.remember(10);
    const read = longer.readBack();
    const all = new Set(Array.from({ length: longer.count }, (_, n) => hashOf(n)));
    expect(read.every((hash) => all.has(hash))).toBe(true);
    expect(read.slice(-10)).toEqual(longer.recent.slice(-10));
  });

  it('refuses malformed chunk texts instead of reading junk hashes', () => {
    expect(parseChunk('12:abc')).toBeUndefined();
    expect(parseChunk(':' + hashOf(1))).toBeUndefined();
    expect(parseChunk('-1:' + hashOf(1))).toBeUndefined();
    expect(parseChunk('x')).toBeUndefined();
    expect(parseChunk(`7:${hashOf(7)}${hashOf(8)}`)).toEqual({
      first: 7,
      hashes: [hashOf(7), hashOf(8)],
    });
    expect(windowOf(['garbage', null, `0:${hashOf(0)}`], 1)).toEqual([hashOf(0)]);
  });
});

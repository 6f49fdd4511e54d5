/**
 * Where a profile's dedupe window (the hashes of its most recent messageIds) is kept: beside
 * its document, not in it (ADR 0014). The window is split into chunks of consecutive hashes;
 * each chunk is one field of the profile's Redis hash (`m0` … `m31`) and one record of the
 * changelog, so a write stores and sends only the chunks its events touched — a few hundred
 * bytes — whatever the window's length, and a restore puts the chunks back one by one.
 *
 * Every hash a profile remembers gets the next number (`messageIdCount` counts them); chunk k
 * holds the numbers [k·size, (k + 1)·size) that are still in the window, size being
 * ceil(window / (RING_SLOTS − 1)), and lives in slot k mod RING_SLOTS: the window then spans at
 * most RING_SLOTS − 1 + 1 chunks, so no two of its chunks share a slot. A chunk is written as
 * `<number of its first hash>:<hashes>`, so reading back needs nothing but the chunks, even
 * after `limits.messageIdWindow` changed (a changed window may read shorter until its chunks
 * have been written anew).
 */

/** Slots (hash fields, changelog keys) a profile's window is kept in: fixed, so erasure knows them all. */
export const RING_SLOTS = 32;
/** Characters of one messageId hash (processor/message-ids.ts): the chunks are fixed-width. */
export const HASH_CHARS = 12;

/** The hash fields of the slots, `m0` … `m31`, in slot order. */
export const RING_FIELDS: readonly string[] = Array.from({ length: RING_SLOTS }, (_, slot) =>
  ringField(slot),
);

/** The hash field of a slot. */
export function ringField(slot: number): string {
  return `m${slot}`;
}

/**
 * Chunks as the Lua steps that store them take them: field and text of each, '' for a cleared
 * slot (profile-store.ts, profile-restore.ts).
 */
export function ringFieldPairs(ring: readonly RingChunk[]): string[] {
  return ring.flatMap(({ slot, text }) => [ringField(slot), text ?? '']);
}

/** A chunk of a profile's window to store: its slot and its text. */
export interface RingChunk {
  slot: number;
  /** `<number of its first hash>:<the hashes, concatenated>`; null: the slot is cleared. */
  text: string | null;
}

/** Hashes per chunk for a window of `window` hashes. */
export function chunkSize(window: number): number {
  return Math.max(1, Math.ceil(window / (RING_SLOTS - 1)));
}

/**
 * The chunks holding the newest `newest` hashes of a window (oldest first, the last one
 * numbered `count − 1`), each chunk whole as far as the window reaches back: what a write
 * that remembered `newest` more hashes stores and sends.
 */
export function chunksOf(
  recent: readonly string[],
  count: number,
  newest: number,
  window: number,
): RingChunk[] {
  const size = chunkSize(window);
  const oldest = count - recent.length;
  const from = Math.max(oldest, count - Math.min(newest, recent.length));
  if (from >= count) return [];
  const chunks: RingChunk[] = [];
  for (let chunk = Math.floor(from / size); chunk * size < count; chunk++) {
    const first = Math.max(chunk * size, oldest);
    const end = Math.min((chunk + 1) * size, count);
    chunks.push({
      slot: chunk % RING_SLOTS,
      text: `${first}:${recent.slice(first - oldest, end - oldest).join('')}`,
    });
  }
  return chunks;
}

/** A chunk's text read back: its first hash's number and its hashes, concatenated; undefined if malformed. */
function chunkHeader(text: string): { first: number; body: string } | undefined {
  const colon = text.indexOf(':');
  const first = Number(text.slice(0, colon));
  const body = text.slice(colon + 1);
  if (colon < 1 || !Number.isSafeInteger(first) || first < 0 || body.length % HASH_CHARS !== 0)
    return undefined;
  return { first, body };
}

/** A chunk's text read back: its first hash's number and its hashes; undefined if malformed. */
export function parseChunk(text: string): { first: number; hashes: string[] } | undefined {
  const header = chunkHeader(text);
  if (header === undefined) return undefined;
  const hashes: string[] = [];
  for (let at = 0; at < header.body.length; at += HASH_CHARS)
    hashes.push(header.body.slice(at, at + HASH_CHARS));
  return { first: header.first, hashes };
}

/**
 * The window as the chunks read back give it: the hashes numbered below `count`, oldest first,
 * skipping numbers no chunk holds (a chunk lost, or overwritten after the window's length
 * changed), each number once. The caller keeps the newest `limits.messageIdWindow` of them. On
 * the hot path for every profile read: the chunks are put in order (at most 32) and their
 * hashes cut out once, with no map or sort per hash.
 */
export function windowOf(
  chunks: ReadonlyArray<string | null | undefined>,
  count: number,
): string[] {
  const headers: Array<{ first: number; body: string }> = [];
  for (const text of chunks) {
    const header = text ? chunkHeader(text) : undefined;
    if (header !== undefined && header.first < count) headers.push(header);
  }
  // By first number; of two chunks starting alike, the longer (further along) first.
  headers.sort((a, b) => a.first - b.first || b.body.length - a.body.length);
  const window: string[] = [];
  let next = 0; // numbers below it are taken
  for (const { first, body } of headers) {
    const end = Math.min(first + body.length / HASH_CHARS, count);
    for (let number = Math.max(first, next); number < end; number++) {
      const at = (number - first) * HASH_CHARS;
      window.push(body.slice(at, at + HASH_CHARS));
    }
    next = Math.max(next, end);
  }
  return window;
}

/**
 * Every slot of a window: its chunks, the other slots cleared. What a write stores when the
 * profile starts over (its old chunks must not come back) or a window is put back whole.
 */
export function wholeRing(recent: readonly string[], count: number, window: number): RingChunk[] {
  const ring: RingChunk[] = Array.from({ length: RING_SLOTS }, (_, slot) => ({ slot, text: null }));
  for (const chunk of chunksOf(recent, count, recent.length, window)) ring[chunk.slot] = chunk;
  return ring;
}

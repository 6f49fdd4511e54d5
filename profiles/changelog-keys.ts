import { SUB_KEY_SEPARATOR } from '../lib/kafka/client.ts';
import { RING_SLOTS, type RingChunk } from './message-id-ring.ts';

/**
 * The keys of profile-changelog: a profile's document under its id, each slot of its dedupe
 * window (message-id-ring.ts) under `<id>\u0000m<slot>`. Both partition as the id
 * (lib/kafka/client.ts), so a profile's records share a partition, in the order sent.
 */
export function ringRecordKey(id: string, slot: number): string {
  return `${id}${SUB_KEY_SEPARATOR}m${slot}`;
}

/** A changelog key read back: the profile it belongs to and, for a window chunk, its slot. */
export type ChangelogKey = { id: string; slot: undefined } | { id: string; slot: number };

export function parseChangelogKey(key: string): ChangelogKey {
  const cut = key.indexOf(SUB_KEY_SEPARATOR);
  if (cut < 0) return { id: key, slot: undefined };
  const slot = Number(key.slice(cut + 2));
  return { id: key.slice(0, cut), slot: Number.isInteger(slot) ? slot : -1 };
}

/** Tombstones for every window slot of a profile (erased or merged away): nothing of it stays. */
export function ringTombstones(id: string): Array<{ key: string; value: null }> {
  return Array.from({ length: RING_SLOTS }, (_, slot) => ({
    key: ringRecordKey(id, slot),
    value: null,
  }));
}

/**
 * A profile's changelog records: its window chunks, then its document (both on its partition,
 * so a document in the changelog has its chunks before it); a tombstone (document null) clears
 * every window slot too.
 */
export function changelogRecords(
  id: string,
  document: string | null,
  ring: readonly RingChunk[],
): Array<{ key: string; value: string | null }> {
  if (document === null) return [...ringTombstones(id), { key: id, value: null }];
  return [
    ...ring.map(({ slot, text }) => ({ key: ringRecordKey(id, slot), value: text })),
    { key: id, value: document },
  ];
}

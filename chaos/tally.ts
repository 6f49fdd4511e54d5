// The arithmetic of the table: counters and archive rows against the acknowledged events.
import type { AckedCounters } from './ledger.ts';

export interface CounterTally {
  /** Per profile and event name: acknowledged − counted, where positive. */
  lost: number;
  /** Per profile and event name: counted − acknowledged, where positive. */
  countedTwice: number;
  /** Profiles whose eventCount or any eventCounts entry differs. */
  profilesWrong: number;
}

/** `stored[i]` is what Redis holds for `ids[i]` (undefined: no profile). */
export function tallyCounters(
  expected: ReadonlyMap<string, AckedCounters>,
  ids: readonly string[],
  stored: ReadonlyArray<AckedCounters | undefined>,
): CounterTally {
  const tally: CounterTally = { lost: 0, countedTwice: 0, profilesWrong: 0 };
  ids.forEach((id, index) => {
    const want = expected.get(id) ?? { eventCount: 0, eventCounts: {} };
    const got = stored[index] ?? { eventCount: 0, eventCounts: {} };
    let wrong = got.eventCount !== want.eventCount;
    const names = new Set([...Object.keys(want.eventCounts), ...Object.keys(got.eventCounts)]);
    for (const name of names) {
      const difference = (got.eventCounts[name] ?? 0) - (want.eventCounts[name] ?? 0);
      if (difference < 0) tally.lost -= difference;
      else tally.countedTwice += difference;
      if (difference !== 0) wrong = true;
    }
    if (wrong) tally.profilesWrong += 1;
  });
  return tally;
}

export interface ArchiveTally {
  /** Acknowledged messageIds with no row. */
  archivedMissing: number;
  /** Rows beyond the first of an acknowledged messageId. */
  archivedTwice: number;
  /** Archived messageIds never acknowledged (a 503 that landed after all): allowed. */
  archivedUnacknowledged: number;
}

/** `archived`: rows per messageId of the run. */
export function tallyArchive(
  acknowledged: ReadonlySet<string> | ReadonlyMap<string, unknown>,
  archived: ReadonlyMap<string, number>,
): ArchiveTally {
  const tally: ArchiveTally = { archivedMissing: 0, archivedTwice: 0, archivedUnacknowledged: 0 };
  for (const messageId of acknowledged.keys()) {
    const rows = archived.get(messageId) ?? 0;
    if (rows === 0) tally.archivedMissing += 1;
    else tally.archivedTwice += rows - 1;
  }
  for (const messageId of archived.keys())
    if (!acknowledged.has(messageId)) tally.archivedUnacknowledged += 1;
  return tally;
}

/** The table's figures for one scenario (see the parts above for each). */
export interface Tally extends CounterTally, ArchiveTally {
  acknowledged: number;
  /** Of them, events 200'd on a retry with the same messageId after a 503/429 or no answer. */
  retriedThenAcked: number;
}

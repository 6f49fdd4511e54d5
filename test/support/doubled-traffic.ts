import type { ExpectedCounters } from './event-stream.ts';
import type { sandboxProfiles } from './profiles.ts';

/** One `/v1/batch` request and the gateway (lane 0 or 1) it goes through. */
export interface PlannedBatch {
  lane: 0 | 1;
  batch: Array<Record<string, unknown>>;
}

export interface Traffic {
  /** The watched profile's first call, sent alone before the batches (it creates the profile). */
  opening: Record<string, unknown>;
  batches: PlannedBatch[];
  /** What every profile must count once each distinct messageId was applied once. */
  expected: Map<string, ExpectedCounters>;
  /** Distinct messageIds sent (what the archive must hold, once each). */
  distinct: number;
  /** Calls sent a second time with the same messageId, as an SDK retrying would. */
  duplicates: number;
}

/**
 * `users` profiles with `perUser` events each (tracks and pages), plus an opening event of
 * `watched` and one more of it in every batch, spread over batches that alternate between the two gateways. Every fourth call
 * is sent again later through the other gateway with the same messageId and no timestamp of its
 * own, so ingest stamps a new one: a redelivered duplicate that must count and archive once.
 */
export function plannedTraffic(
  prefix: string,
  options: { users: number; perUser: number; batchSize: number; watched: string },
): Traffic {
  const expected = new Map<string, ExpectedCounters>();
  const calls: Array<Record<string, unknown>> = [];
  const count = (userId: string, call: Record<string, unknown>) => {
    const counters = expected.get(userId) ?? { eventCount: 0, pageViews: 0, eventCounts: {} };
    counters.eventCount += 1;
    if (call['type'] === 'page') counters.pageViews += 1;
    else {
      const name = String(call['event']);
      counters.eventCounts[name] = (counters.eventCounts[name] ?? 0) + 1;
    }
    expected.set(userId, counters);
  };
  const callOf = (userId: string, n: number) => {
    const messageId = `${userId}-m${n}`;
    return n % 3 === 2
      ? { type: 'page', userId, messageId, name: 'Home' }
      : { type: 'track', userId, messageId, event: `Step ${n % 3}` };
  };
  for (let n = 0; n < options.perUser; n++)
    for (let u = 0; u < options.users; u++) calls.push(callOf(`${prefix}-u${u}`, n));

  const batches: PlannedBatch[] = [];
  const resent: PlannedBatch[] = [];
  let watchedEvents = 0;
  for (let start = 0; start < calls.length; start += options.batchSize) {
    const lane = (batches.length % 2) as 0 | 1;
    const batch = calls.slice(start, start + options.batchSize);
    batch.push(callOf(options.watched, ++watchedEvents));
    batches.push({ lane, batch });
    const again = batch.filter((_, index) => index % 4 === 0);
    resent.push({ lane: (1 - lane) as 0 | 1, batch: again });
  }
  const opening = callOf(options.watched, 0);
  count(options.watched, opening);
  for (const { batch } of batches) for (const call of batch) count(String(call['userId']), call);
  // The resent calls go out interleaved with the second half of the first sends.
  const half = Math.ceil(batches.length / 2);
  const mixed = [...batches.slice(0, half)];
  batches.slice(half).forEach((batch, index) => {
    mixed.push(batch);
    const retry = resent[index];
    if (retry !== undefined) mixed.push(retry);
  });
  mixed.push(...resent.slice(batches.length - half));
  return {
    opening,
    batches: mixed,
    expected,
    distinct: 1 + batches.reduce((sum, { batch }) => sum + batch.length, 0),
    duplicates: resent.reduce((sum, { batch }) => sum + batch.length, 0),
  };
}

/** Counters as a comparable string: the order track names were first seen in does not matter. */
function countersText(counters: ExpectedCounters | undefined): string {
  if (counters === undefined) return 'none';
  const names = Object.entries(counters.eventCounts).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify({ ...counters, eventCounts: Object.fromEntries(names) });
}

/**
 * The profiles whose counters differ from what was sent, compared whatever order the two
 * gateways' producers interleaved a profile's events in.
 */
export async function countersDiffer(
  profiles: ReturnType<typeof sandboxProfiles>,
  expected: Map<string, ExpectedCounters>,
): Promise<string[]> {
  const ids = [...expected.keys()];
  const stored = await profiles.store.readMany(ids);
  return ids.flatMap((id, index) => {
    const profile = stored[index]?.profile;
    const got = countersText(
      profile && {
        eventCount: profile.eventCount,
        pageViews: profile.pageViews,
        eventCounts: profile.eventCounts,
      },
    );
    const want = countersText(expected.get(id));
    return got === want ? [] : [`${id}: got ${got}, sent ${want}`];
  });
}

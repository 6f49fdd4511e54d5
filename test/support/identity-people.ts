// The load of the identity chaos test: people with two anonymous devices and a userId, each
// person's events moving from device 1 to the account to device 2 and back, with the links
// (identify u+anon1, an event with u+anon2) in the middle of their history.
import type { SegmentCall } from './identity-calls.ts';

export interface Person {
  userId: string;
  anon1: string;
  anon2: string;
}

export interface PersonCounters {
  eventCount: number;
  pageViews: number;
  eventCounts: Record<string, number>;
}

export const EVENTS_PER_PERSON = 20;

/** Which identifiers carry a person's event k (the story of one person, in order). */
function identifiersOf(person: Person, k: number): Record<string, string> {
  if (k < 4) return { anonymousId: person.anon1 };
  if (k === 4) return { userId: person.userId, anonymousId: person.anon1 };
  if (k < 9) return { userId: person.userId };
  if (k < 12) return { anonymousId: person.anon2 };
  if (k === 12) return { userId: person.userId, anonymousId: person.anon2 };
  const after = [
    { anonymousId: person.anon1 },
    { userId: person.userId },
    { anonymousId: person.anon2 },
  ];
  return after[k % after.length] ?? { userId: person.userId };
}

export function personOf(prefix: string, p: number): Person {
  return { userId: `${prefix}-p${p}-u`, anon1: `${prefix}-p${p}-d1`, anon2: `${prefix}-p${p}-d2` };
}

/**
 * Event k of a person: the sign-up (k 4) is an identify, every third other one a page view,
 * the rest track events of two names.
 */
export function personEvent(prefix: string, person: Person, p: number, k: number): SegmentCall {
  const common = {
    ...identifiersOf(person, k),
    messageId: `${prefix}-p${p}-m${k}`,
    timestamp: new Date(Date.UTC(2026, 10, 1) + p * 1_000 + k * 60_000).toISOString(),
  };
  if (k === 4) return { ...common, type: 'identify', traits: { person: p } };
  if (k % 3 === 0) return { ...common, type: 'page', name: 'Home' };
  return { ...common, type: 'track', event: k % 2 === 0 ? 'Chaos Viewed' : 'Chaos Clicked' };
}

/** What a person's profile must count for the acknowledged calls among theirs. */
export function addToCounters(counters: PersonCounters, call: SegmentCall): void {
  counters.eventCount += 1;
  if (call.type === 'page') counters.pageViews += 1;
  if (call.type === 'track' && typeof call['event'] === 'string')
    counters.eventCounts[call['event']] = (counters.eventCounts[call['event']] ?? 0) + 1;
}

/**
 * Every event of `people` people, ordered so that each person's events spread over the whole
 * run: the k-th events of all people, then the (k+1)-th.
 */
export function peopleEvents(
  prefix: string,
  people: number,
): Array<{ p: number; call: SegmentCall }> {
  const events: Array<{ p: number; call: SegmentCall }> = [];
  for (let k = 0; k < EVENTS_PER_PERSON; k++)
    for (let p = 0; p < people; p++)
      events.push({ p, call: personEvent(prefix, personOf(prefix, p), p, k) });
  return events;
}

import type { ActivityEvent } from '../../schema/event.ts';

export interface ExpectedCounters {
  eventCount: number;
  pageViews: number;
  eventCounts: Record<string, number>;
}

/**
 * A deterministic stream of `count` stamped events spread round-robin over `profiles` profiles
 * (a mix of track, page, screen and identify), with the counters every profile must end with.
 */
export function eventStream(
  prefix: string,
  count: number,
  profiles: number,
): { events: ActivityEvent[]; expected: Map<string, ExpectedCounters> } {
  const events: ActivityEvent[] = [];
  const expected = new Map<string, ExpectedCounters>();
  const base = Date.parse('2026-01-01T00:00:00.000Z');
  for (let i = 0; i < count; i++) {
    const userId = `${prefix}-u${i % profiles}`;
    const time = new Date(base + i * 1_000).toISOString(); // one event per second of event time
    const common = { userId, messageId: `${prefix}-m${i}`, timestamp: time, receivedAt: time };
    const kind = i % 7;
    const counters = expected.get(userId) ?? { eventCount: 0, pageViews: 0, eventCounts: {} };
    counters.eventCount += 1;
    if (kind <= 3) {
      const name = `Event ${kind}`;
      events.push({ ...common, type: 'track', event: name, properties: { i } });
      counters.eventCounts[name] = (counters.eventCounts[name] ?? 0) + 1;
    } else if (kind === 4) {
      events.push({ ...common, type: 'page', name: 'Home' });
      counters.pageViews += 1;
    } else if (kind === 5) {
      events.push({ ...common, type: 'screen', name: 'Cart' });
      counters.pageViews += 1;
    } else {
      events.push({ ...common, type: 'identify', traits: { seen: i } });
    }
    expected.set(userId, counters);
  }
  return { events, expected };
}

/** Events `first` .. `first + count - 1` of a deterministic stream over `profiles` profiles. */
export function syntheticEvents(
  first: number,
  count: number,
  profiles: number,
  tag: string,
): ActivityEvent[] {
  const base = Date.UTC(2026, 10, 1); // 1 November 2026
  return Array.from({ length: count }, (_, i) => {
    const n = first + i;
    const at = new Date(base + n * 1_000).toISOString(); // one event per second
    return {
      type: 'track',
      event: n % 3 === 0 ? 'Clicked' : 'Viewed',
      userId: `${tag}-p${n % profiles}`,
      messageId: `${tag}-m${n}`,
      properties: { n },
      context: { userAgent: 'Mozilla/5.0 (X11; Linux x86_64)' },
      timestamp: at,
      receivedAt: at,
    };
  });
}

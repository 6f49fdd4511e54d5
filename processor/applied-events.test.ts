import { describe, expect, it } from 'vitest';
import type { ActivityEvent } from '../schema/event.ts';
import { emptyStoredProfile } from '../schema/profile.ts';
import { applyEvents, type PositionedEvent } from './apply-event.ts';
import { updatePerson } from './person-update.ts';
import { at, noRules, stamped } from './test-events.ts';

const positioned = (events: ActivityEvent[], from = 0): PositionedEvent[] =>
  events.map((event, index) => ({ event, position: { partition: 2, offset: from + index } }));

/** The messageIds a person's write pushes to its recent-activity list. */
function listed(
  stored: ReturnType<typeof emptyStoredProfile> | undefined,
  events: PositionedEvent[],
) {
  const update = updatePerson(
    {
      root: { id: 'u1', stored, fence: null },
      absorbed: [],
      identifiers: undefined,
      events,
    },
    noRules,
  );
  return update.write?.recent?.map((activity) => activity.messageId);
}

describe('the activities a profile write lists', () => {
  it('are the applied events in order, as the Activity subgraph lists them', () => {
    const events = positioned([
      stamped({
        type: 'track',
        event: 'Signed Up',
        properties: { plan: 'pro' },
        timestamp: at('10:00:00'),
      }),
      stamped({ type: 'page', name: 'Home', timestamp: at('10:01:00') }),
    ]);
    const update = updatePerson(
      {
        root: { id: 'u1', stored: undefined, fence: null },
        absorbed: [],
        identifiers: undefined,
        events,
      },
      noRules,
    );
    expect(update.write?.recent).toEqual([
      {
        messageId: events[0]?.event.messageId,
        profileId: 'u1',
        type: 'track',
        name: 'Signed Up',
        timestamp: at('10:00:00'),
        receivedAt: at('10:00:00'),
        properties: { plan: 'pro' },
        traits: null,
        context: null,
      },
      expect.objectContaining({ type: 'page', name: 'Home', properties: null }),
    ]);
  });

  it('leave out redelivered events and repeated messageIds', () => {
    const first = positioned([
      stamped({ type: 'track', event: 'a', timestamp: at('10:00:00') }),
      stamped({ type: 'track', event: 'b', timestamp: at('10:01:00') }),
    ]);
    const stored = applyEvents(emptyStoredProfile('u1'), first, noRules);
    const fresh = stamped({ type: 'track', event: 'c', timestamp: at('10:02:00') });
    const retried = { ...fresh } as ActivityEvent;
    // The first two again (at their offsets), then a new event and a client's retry of it.
    const round = [...first, ...positioned([fresh, retried], 2)];
    expect(listed(stored, round)).toEqual([fresh.messageId]);
  });

  it('leave out events set aside', () => {
    const good = stamped({ type: 'track', event: 'a', timestamp: at('10:00:00') });
    const unreadable = stamped({
      type: 'track',
      event: 'x',
      timestamp: at('10:00:00'),
      receivedAt: 'not a time',
    });
    expect(listed(undefined, positioned([unreadable, good]))).toEqual([good.messageId]);
  });
});

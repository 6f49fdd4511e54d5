import { describe, expect, it } from 'vitest';
import type { SessionSpan } from '../schema/profile.ts';
import { placeInSessions } from './sessions.ts';

const MIN = 60_000; // 1 minute in ms
const TIMEOUT = 30 * MIN;
const MAX_SESSIONS = 20;

function countOf(times: number[]): number {
  let sessions: SessionSpan[] = [];
  let count = 0;
  for (const time of times) {
    const update = placeInSessions(sessions, time, TIMEOUT, MAX_SESSIONS);
    sessions = update.sessions;
    count += update.countDelta;
  }
  return count;
}

describe('placeInSessions', () => {
  it('opens a session for the first event and extends it within the timeout', () => {
    expect(countOf([0, 10 * MIN, 40 * MIN])).toBe(1);
  });

  it('opens a new session after a gap longer than the timeout', () => {
    expect(countOf([0, TIMEOUT + 1, 2 * TIMEOUT + 2])).toBe(3);
  });

  it('gives the same count in any arrival order, joining sessions an event bridges', () => {
    const times = [0, 50 * MIN, 25 * MIN, 200 * MIN, 120 * MIN, 150 * MIN];
    const sorted = [...times].sort((a, b) => a - b);
    expect(countOf(sorted)).toBe(3);
    expect(countOf(times)).toBe(3);
    expect(countOf([...times].reverse())).toBe(3);
  });

  it('reports -1 when an event joins two sessions', () => {
    const sessions: SessionSpan[] = [
      [0, 0],
      [50 * MIN, 50 * MIN],
    ];
    expect(placeInSessions(sessions, 25 * MIN, TIMEOUT, MAX_SESSIONS)).toEqual({
      sessions: [[0, 50 * MIN]],
      countDelta: -1,
    });
  });

  it('remembers only the latest sessions, forgetting the earliest first', () => {
    let sessions: SessionSpan[] = [];
    for (let i = 0; i < MAX_SESSIONS + 3; i++)
      sessions = placeInSessions(sessions, i * 2 * TIMEOUT, TIMEOUT, MAX_SESSIONS).sessions;
    expect(sessions).toHaveLength(MAX_SESSIONS);
    expect(sessions[0]?.[0]).toBe(3 * 2 * TIMEOUT);
  });

  it('counts an event older than every remembered session as a session of its own', () => {
    const sessions: SessionSpan[] = [[10 * TIMEOUT, 10 * TIMEOUT]];
    const update = placeInSessions(sessions, 0, TIMEOUT, 1);
    expect(update).toEqual({ sessions: [[10 * TIMEOUT, 10 * TIMEOUT]], countDelta: 1 });
  });
});

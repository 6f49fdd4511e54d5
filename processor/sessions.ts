import type { SessionSpan } from '../schema/profile.ts';

export interface SessionUpdate {
  sessions: SessionSpan[];
  /** +1 a new session, 0 inside an existing one, -1 the event joined two sessions into one. */
  countDelta: number;
}

/**
 * Places an event time among the profile's sessions (sorted, disjoint, each gap longer than
 * the timeout). The session count is then the number of runs of event times at most `timeoutMs`
 * apart, whatever order the events arrive in: an out-of-order event extends the session it
 * falls into, starts one of its own, or bridges two, which become one.
 * Only the latest `maxSessions` sessions are remembered (limits.sessions; the earliest is
 * forgotten first); an event older than all of them is counted as a session of its own.
 */
export function placeInSessions(
  sessions: readonly SessionSpan[],
  at: number,
  timeoutMs: number,
  maxSessions: number,
): SessionUpdate {
  const reached: number[] = [];
  sessions.forEach(([start, end], index) => {
    if (at >= start - timeoutMs && at <= end + timeoutMs) reached.push(index);
  });
  const first = reached[0];
  if (first === undefined) {
    const next = [...sessions, [at, at] as SessionSpan].sort((a, b) => a[0] - b[0]);
    return { sessions: next.slice(-maxSessions), countDelta: 1 };
  }
  const last = reached[reached.length - 1] ?? first;
  const merged: SessionSpan = [
    Math.min(at, ...reached.map((i) => sessions[i]?.[0] ?? at)),
    Math.max(at, ...reached.map((i) => sessions[i]?.[1] ?? at)),
  ];
  const next = [...sessions.slice(0, first), merged, ...sessions.slice(last + 1)];
  return { sessions: next, countDelta: 1 - reached.length };
}

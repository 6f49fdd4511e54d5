import { jsonBytes, type ProfileLimits } from './limits.ts';
import { getOwn, setOwn } from './own-property.ts';

/** How much of the event-name bounds a profile's `eventCounts` uses. */
export interface EventNameUsage {
  names: number;
  bytes: number;
}

function eventNameUsage(counts: Record<string, number>): EventNameUsage {
  const names = Object.keys(counts);
  return { names: names.length, bytes: names.reduce((sum, name) => sum + jsonBytes(name), 0) };
}

/**
 * Counts a track event (or `amount` of them: a merged profile's count) under its name in
 * `counts` (a working copy, changed in place). A name
 * that already has a counter is always counted; a new one only while it fits eventNames and
 * eventNameBytes, else it gets no counter and this returns false (the caller counts the
 * refusal; the profile's eventCount counts the event either way). The usage is measured into
 * `measured` when a new name first needs it and kept up to date there, so events of known
 * names, nearly all of them, never pay for measuring every name of the profile.
 */
export function countEventName(
  counts: Record<string, number>,
  name: string,
  limits: Pick<ProfileLimits, 'eventNames' | 'eventNameBytes'>,
  measured: { eventNameUsage?: EventNameUsage },
  amount = 1,
): boolean {
  const count = getOwn(counts, name);
  if (count !== undefined) {
    setOwn(counts, name, count + amount);
    return true;
  }
  const usage = (measured.eventNameUsage ??= eventNameUsage(counts));
  const bytes = jsonBytes(name);
  if (usage.names + 1 > limits.eventNames || usage.bytes + bytes > limits.eventNameBytes)
    return false;
  setOwn(counts, name, amount);
  usage.names += 1;
  usage.bytes += bytes;
  return true;
}

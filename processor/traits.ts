import { jsonBytes, type ProfileLimits } from './limits.ts';
import { getOwn, setOwn } from './own-property.ts';

export interface TraitsState {
  traits: Record<string, unknown>;
  /** Per key, the timestamp of the identify that last set or removed it. */
  traitTimes: Record<string, string>;
}

export type TraitLimits = Pick<ProfileLimits, 'traitKeys' | 'traitBytes'>;

/** How much of the trait bounds a profile uses: remembered keys and their bytes. */
export interface TraitUsage {
  keys: number;
  bytes: number;
}

/** Trait changes refused at a bound, by bound. */
export interface TraitRefusals {
  traitKeys: number;
  traitBytes: number;
}

export interface TraitMerge extends TraitsState {
  usage: TraitUsage;
  refused: TraitRefusals;
}

/** A remembered key costs its JSON bytes, plus its value's while the profile holds one. */
const costOf = (key: string, value: unknown): number =>
  jsonBytes(key) + (value === undefined ? 0 : jsonBytes(value));

export function traitUsage(state: TraitsState): TraitUsage {
  let keys = 0;
  let bytes = 0;
  for (const [key, value] of Object.entries(state.traits)) {
    keys += 1;
    bytes += costOf(key, value);
  }
  for (const key of Object.keys(state.traitTimes)) {
    if (Object.hasOwn(state.traits, key)) continue;
    keys += 1;
    bytes += costOf(key, undefined);
  }
  return { keys, bytes };
}

/** Removed keys (a time, no value), oldest removal first, then by key: the first to forget. */
function removedOldestFirst(state: TraitsState, except: string): string[] {
  return Object.keys(state.traitTimes)
    .filter((key) => key !== except && !Object.hasOwn(state.traits, key))
    .sort((a, b) => {
      const byTime = (state.traitTimes[a] ?? '').localeCompare(state.traitTimes[b] ?? '');
      return byTime !== 0 ? byTime : a < b ? -1 : a > b ? 1 : 0;
    });
}

/**
 * Merges an identify's traits, key by key: a key takes the new value unless a later identify
 * (by timestamp) already set it; on equal timestamps the later one in the stream wins. `null`
 * removes the key. Values are taken whole (a nested object replaces the previous one).
 *
 * Bounded by `limits`: a change that would add a key beyond traitKeys, or grow the bytes beyond
 * traitBytes, first makes room by forgetting the oldest removals (a late identify older than a
 * forgotten removal can then bring that key back); if it still does not fit it is refused and
 * counted, and the key keeps what it had. A change that does not grow the usage always applies,
 * so a profile above a lowered bound can still update and remove its traits.
 * Returns the same `traits` and `traitTimes` objects when nothing changed.
 */
export function mergeTraits(
  state: TraitsState,
  incoming: Record<string, unknown>,
  timestamp: string,
  limits: TraitLimits,
  usage: TraitUsage = traitUsage(state),
): TraitMerge {
  const merged: TraitsState = { traits: state.traits, traitTimes: state.traitTimes };
  const copy = () => {
    if (merged.traits === state.traits) merged.traits = { ...state.traits };
    if (merged.traitTimes === state.traitTimes) merged.traitTimes = { ...state.traitTimes };
  };
  let { keys, bytes } = usage;
  const refused: TraitRefusals = { traitKeys: 0, traitBytes: 0 };
  for (const [key, value] of Object.entries(incoming)) {
    const setAt = getOwn(merged.traitTimes, key);
    if (setAt !== undefined && setAt > timestamp) continue;
    const current = getOwn(merged.traits, key);
    const known = setAt !== undefined || current !== undefined;
    const oldCost = known ? costOf(key, current) : 0;
    const newCost = costOf(key, value === null ? undefined : value);
    const keysNeeded = known ? 0 : 1;
    const fits = (k: number, b: number) =>
      (keysNeeded === 0 || k + keysNeeded <= limits.traitKeys) &&
      (newCost <= oldCost || b - oldCost + newCost <= limits.traitBytes);
    if (!fits(keys, bytes)) {
      // Which removals would have to be forgotten; none are unless that makes the change fit.
      const forget: string[] = [];
      let k = keys;
      let b = bytes;
      for (const old of removedOldestFirst(merged, key)) {
        if (fits(k, b)) break;
        forget.push(old);
        k -= 1;
        b -= costOf(old, undefined);
      }
      if (!fits(k, b)) {
        refused[keysNeeded > 0 && k + keysNeeded > limits.traitKeys ? 'traitKeys' : 'traitBytes'] +=
          1;
        continue;
      }
      copy();
      for (const old of forget) delete merged.traitTimes[old];
      keys = k;
      bytes = b;
    }
    copy();
    if (value === null) delete merged.traits[key];
    else setOwn(merged.traits, key, value);
    setOwn(merged.traitTimes, key, timestamp);
    keys += keysNeeded;
    bytes += newCost - oldCost;
  }
  return { ...merged, usage: { keys, bytes }, refused };
}

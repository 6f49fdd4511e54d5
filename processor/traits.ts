export interface TraitsState {
  traits: Record<string, unknown>;
  /** Per key, the timestamp of the identify that last set or removed it. */
  traitTimes: Record<string, string>;
}

/**
 * Merges an identify's traits, key by key: a key takes the new value unless a later identify
 * (by timestamp) already set it; on equal timestamps the later one in the stream wins. `null`
 * removes the key. Values are taken whole (a nested object replaces the previous one).
 * Returns the same object when nothing changed.
 */
export function mergeTraits(
  state: TraitsState,
  incoming: Record<string, unknown>,
  timestamp: string,
): TraitsState {
  let traits = state.traits;
  let traitTimes = state.traitTimes;
  for (const [key, value] of Object.entries(incoming)) {
    const setAt = traitTimes[key];
    if (setAt !== undefined && setAt > timestamp) continue;
    if (traits === state.traits) traits = { ...state.traits };
    if (traitTimes === state.traitTimes) traitTimes = { ...state.traitTimes };
    if (value === null) delete traits[key];
    else traits[key] = value;
    traitTimes[key] = timestamp;
  }
  return traits === state.traits && traitTimes === state.traitTimes
    ? state
    : { traits, traitTimes };
}

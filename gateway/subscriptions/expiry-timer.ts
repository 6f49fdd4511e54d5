/** setTimeout's longest delay (about 24.8 days); a longer one would fire at once. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/**
 * Calls `expire` at `expiresAtMs` (Unix epoch milliseconds) on a timer that does not keep the
 * process alive; returns the function that cancels it. One timer per connection: Node keeps
 * timers in a priority queue, so 10,000 of them cost an insert and a removal each.
 */
export function scheduleExpiry(expiresAtMs: number, expire: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    const delay = expiresAtMs - Date.now();
    if (delay <= 0) {
      timer = undefined;
      expire();
      return;
    }
    // A token valid for longer than a timer can wait is re-armed when that wait ends.
    timer = setTimeout(arm, Math.min(delay, MAX_TIMER_DELAY_MS));
    timer.unref();
  };
  arm();
  return () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
}

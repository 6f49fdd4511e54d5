/** A fixed event rate, in ticks, with a warm-up before the measured window. */
export interface OpenLoopSettings {
  /** Events per second. */
  rate: number;
  /** Every `tickMs` the events due by then are sent together, ms. */
  tickMs: number;
  warmupMs: number;
  durationMs: number;
}

/**
 * Calls `send(count, measured)` every tick with the events due by then, never waiting for
 * earlier sends to finish (an open loop: a slow system meets the same schedule instead of
 * slowing the load down, so its queueing shows up in the latencies). A late tick sends what
 * it owes. Returns how many events the measured window held.
 */
export async function runOpenLoop(
  settings: OpenLoopSettings,
  send: (count: number, measured: boolean) => void,
): Promise<{ sent: number; measured: number }> {
  const start = performance.now();
  const measureFrom = start + settings.warmupMs;
  const end = measureFrom + settings.durationMs;
  let sent = 0;
  let measured = 0;
  for (let tick = 0; ; tick++) {
    const tickAt = start + tick * settings.tickMs;
    if (tickAt >= end) break;
    const wait = tickAt - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const due = Math.floor((settings.rate * (tick + 1) * settings.tickMs) / 1_000);
    const count = due - sent;
    if (count <= 0) continue;
    const inWindow = tickAt >= measureFrom;
    send(count, inWindow);
    sent += count;
    if (inWindow) measured += count;
  }
  return { sent, measured };
}

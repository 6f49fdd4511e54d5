// Ctrl-C handling shared by the scripts: the first signal asks for an orderly stop, a second
// one (an impatient Ctrl-C) forces.
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

// One Ctrl-C can arrive more than once: the terminal signals the whole process group, and the
// tsx CLI (and npm) in front of us relay the same signal again a few milliseconds later. Only a
// signal well after the first counts as a deliberate second Ctrl-C.
const DUPLICATE_WINDOW_MS = 500;

export function onStopSignal(
  stop: (signal: NodeJS.Signals) => void,
  force: (signal: NodeJS.Signals) => void,
): void {
  let firstAt: number | undefined;
  for (const signal of STOP_SIGNALS) {
    process.on(signal, () => {
      const now = Date.now();
      if (firstAt === undefined) {
        firstAt = now;
        stop(signal);
      } else if (now - firstAt >= DUPLICATE_WINDOW_MS) {
        force(signal);
      }
    });
  }
  // SIGHUP means the terminal went away: writing to it would fail and must not crash the
  // orderly stop that is still running.
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
}

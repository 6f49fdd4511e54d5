// How long the supervisor waits before restarting a service that died: a crash loop (a
// dependency down, a bad config) must not spin the CPU, yet a rare crash is restarted at once.

export interface RestartBackoffSettings {
  /** Wait before the first restart, and again once a service stayed up for `stableAfterMs`. */
  initialMs: number;
  /** The wait doubles after every quick death, up to this. */
  maxMs: number;
  /** A service that ran at least this long before dying counts as healthy: the wait resets. */
  stableAfterMs: number;
}

export const DEFAULT_RESTART_BACKOFF: RestartBackoffSettings = {
  initialMs: 1_000, // 1 second
  maxMs: 30_000, // 30 seconds
  stableAfterMs: 60_000, // 1 minute
};

export interface RestartBackoff {
  /** The wait before restarting a service that died after running for `uptimeMs`. */
  next(uptimeMs: number): number;
}

export function createRestartBackoff(settings: RestartBackoffSettings): RestartBackoff {
  let delayMs = settings.initialMs;
  return {
    next(uptimeMs) {
      if (uptimeMs >= settings.stableAfterMs) delayMs = settings.initialMs;
      const wait = delayMs;
      delayMs = Math.min(delayMs * 2, settings.maxMs);
      return wait;
    },
  };
}

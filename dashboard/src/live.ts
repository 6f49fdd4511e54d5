// A subscription that stays up: after an error or completion it shows the error and
// subscribes again (1 s doubling to 10 s), so a panel recovers by itself once the gateway,
// the token or the field is back.
import type { Api } from './api.ts';

const FIRST_RETRY_MS = 1_000;
const LAST_RETRY_MS = 10_000;

export interface LiveHandlers<T> {
  next(data: T): void;
  /** An error message, or undefined once data flows again. */
  error(message: string | undefined): void;
  /** Called before every (re)subscription, e.g. to reload what the stream does not repeat. */
  subscribed?(): void;
}

export function live<T>(
  api: Api,
  query: string,
  variables: Record<string, unknown>,
  handlers: LiveHandlers<T>,
): () => void {
  let stop: () => void = () => undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let delay = FIRST_RETRY_MS;
  let stopped = false;
  let failed = false;

  const subscribe = () => {
    if (stopped) return;
    handlers.subscribed?.();
    let ended = false;
    const end = (message: string) => {
      // A stopped subscription ends too: that is no error to show.
      if (ended || stopped) return;
      ended = true;
      failed = true;
      stop();
      handlers.error(message);
      retryTimer = setTimeout(subscribe, delay);
      delay = Math.min(delay * 2, LAST_RETRY_MS);
    };
    stop = api.subscribe<T>(query, variables, {
      next: (data) => {
        delay = FIRST_RETRY_MS;
        if (failed) {
          failed = false;
          handlers.error(undefined);
        }
        handlers.next(data);
      },
      error: (message) => end(message),
      complete: () => end('the subscription ended'),
    });
  };
  subscribe();
  return () => {
    stopped = true;
    clearTimeout(retryTimer);
    stop();
  };
}

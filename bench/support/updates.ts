import type { DeliveryTracker } from './delivery.ts';
import type { Summary } from './stats.ts';
import { incomingEvent, profileId, type EventPlan } from './events.ts';
import { createHttpClient } from './load/http-client.ts';

export const MAX_EVENTS_PER_REQUEST = 100;

/** What a subscription load generator reports about the updates it sent. */
export interface DeliveryReport {
  /** Measured updates some subscriber had not seen when the load generator stopped waiting. */
  missing: number;
  /** Update → (last) subscriber latency, ms. */
  latency: Summary;
  requests: number;
  failedRequests: number;
  firstFailure?: string;
  /** Connection and subscription problems (closes, errors), the first ones. */
  problems: string[];
}

/**
 * Sends the plan's events in order through `POST /v1/batch` and tells the tracker which
 * profile count each will produce. Events go round robin over the plan's profiles, so event
 * i makes profile i mod P reach count ⌊i / P⌋ + 1.
 */
export function createUpdateSender(options: {
  url: string;
  headers: Record<string, string>;
  plan: EventPlan;
  tracker: DeliveryTracker;
  /** Requests in flight at most (keep-alive connections). */
  sockets: number;
}) {
  const client = createHttpClient(options.sockets);
  const url = new URL(options.url);
  const { plan, tracker } = options;
  let nextIndex = 0;
  let requests = 0;
  let failures = 0;
  let firstFailure: string | undefined;

  /** Sends the next `count` events as one request; resolves when it was answered. */
  async function send(count: number, measured: boolean): Promise<void> {
    const first = nextIndex;
    nextIndex += count;
    const batch = [];
    const at = performance.now();
    for (let index = first; index < first + count; index++) {
      batch.push(incomingEvent(plan, index));
      const reaches = Math.floor(index / plan.profiles) + 1;
      tracker.sent(profileId(plan, index % plan.profiles), reaches, at, measured);
    }
    requests++;
    try {
      const answer = await client.post(url, JSON.stringify({ batch }), options.headers);
      if (answer.status !== 200) throw new Error(`${answer.status} ${answer.body.slice(0, 300)}`);
    } catch (error) {
      failures++;
      firstFailure ??= `POST ${options.url}: ${(error as Error).message}`;
    }
  }

  /** One event for every profile, in requests of at most MAX_EVENTS_PER_REQUEST events. */
  async function sendRound(measured: boolean, pauseMs = 0): Promise<void> {
    for (let left = plan.profiles; left > 0; left -= MAX_EVENTS_PER_REQUEST) {
      await send(Math.min(left, MAX_EVENTS_PER_REQUEST), measured);
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }

  return {
    send,
    sendRound,
    stats: () => ({ requests, failures, ...(firstFailure ? { firstFailure } : {}) }),
    close: () => client.close(),
  };
}

/** Polls `done` every 10 ms until it holds or `timeoutMs` passed; returns whether it held. */
export async function waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

/**
 * One update per profile, then waits until every subscriber has shown it: after this every
 * subscription is known to be live, so the clock can start. Throws saying what did not arrive.
 */
export async function proveSubscriptionsLive(
  sender: ReturnType<typeof createUpdateSender>,
  tracker: DeliveryTracker,
  problems: () => string[],
  timeoutMs: number,
): Promise<void> {
  await sender.sendRound(false);
  if (await waitUntil(() => tracker.undelivered() === 0, timeoutMs)) return;
  const causes = [sender.stats().firstFailure, ...problems()].filter(Boolean).join('; ');
  throw new Error(
    `subscriptions not live: ${tracker.undelivered()} updates not delivered to every subscriber within ${timeoutMs} ms${causes ? `; ${causes}` : ''}`,
  );
}

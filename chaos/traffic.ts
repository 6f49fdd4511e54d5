// The load of a chaos scenario: Segment batches through the public ingest API, retried as an
// SDK retries (same messageIds after 503/429 and Retry-After), every 200 recorded in the ledger.
import { AckLedger, type AckedEvent } from './ledger.ts';
import { sleep } from '../test/support/processor.ts';

export interface TrafficPlan {
  /** Starts every userId and messageId, so runs never share ids. */
  idPrefix: string;
  events: number;
  users: number;
  /**
   * The first `earlyShare` (0–1) of the events goes to the same share of the users, each user's
   * events one after another (in one or two batches), and those users get nothing later: what a
   * fault in the first rounds leaves behind on their profiles is not covered up by later events.
   * Default 0: every user round-robin over the whole run.
   */
  earlyShare?: number;
  /** Events per POST /v1/batch. */
  batchSize: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Pace of first attempts; retries come on top. */
  eventsPerSecond: number;
  /** A batch still unacknowledged this long after its first attempt is given up. */
  giveUpAfterMs: number;
}

export interface TrafficFigures {
  requests: number;
  /** Answers by HTTP status; `no answer` for a connection error or a client-side timeout. */
  answers: Record<string, number>;
  /** Slowest answer of any status, from sending the request to the whole body read. */
  slowestMs: number;
  /** 503 and 429 answers without a Retry-After header. */
  withoutRetryAfter: number;
  acknowledged: number;
  retriedThenAcked: number;
  /** Events of batches given up (never answered 200; they may or may not have landed). */
  givenUp: number;
  seconds: number;
}

export interface Traffic {
  readonly ledger: AckLedger;
  /** Events whose first attempt went out so far (for "a random moment of the run"). */
  sent(): number;
  readonly done: Promise<TrafficFigures>;
}

/** A client-side bound far above any answer ingest may take: only a hang reaches it. */
const REQUEST_TIMEOUT_MS = 30_000;
const NO_ANSWER_RETRY_MS = 500;
const MAX_RETRY_AFTER_MS = 5_000;

const EVENT_NAMES = ['Chaos Viewed', 'Chaos Clicked', 'Chaos Bought'] as const;

/** Events of the early phase (see `earlyShare`). */
export function earlyEvents(plan: TrafficPlan): number {
  return Math.floor(plan.events * (plan.earlyShare ?? 0));
}

/**
 * Event `i` of the plan: in the early phase each early user's events in a row, after it the
 * other users round-robin; every user gets about events/users of them.
 */
export function planEvent(plan: TrafficPlan, i: number): AckedEvent & { messageId: string } {
  const early = earlyEvents(plan);
  const earlyUsers = Math.floor(plan.users * (plan.earlyShare ?? 0));
  const userId =
    i < early
      ? `${plan.idPrefix}-e${Math.floor(i / Math.ceil(early / earlyUsers))}`
      : `${plan.idPrefix}-u${(i - early) % (plan.users - earlyUsers)}`;
  return {
    userId,
    event: EVENT_NAMES[i % EVENT_NAMES.length] ?? 'Chaos',
    messageId: `${plan.idPrefix}-m${i}`,
  };
}

export function startTraffic(
  /** Asked at every attempt: a restarted gateway listens elsewhere. */
  gatewayUrl: () => string,
  headers: Record<string, string>,
  plan: TrafficPlan,
): Traffic {
  const ledger = new AckLedger();
  const batches = Math.ceil(plan.events / plan.batchSize);
  const figures: TrafficFigures = {
    requests: 0,
    answers: {},
    slowestMs: 0,
    withoutRetryAfter: 0,
    acknowledged: 0,
    retriedThenAcked: 0,
    givenUp: 0,
    seconds: 0,
  };
  const began = Date.now();
  let next = 0;
  let sentEvents = 0;

  /** One attempt: the status (0 for no answer) and the Retry-After in ms, if any. */
  async function attempt(body: string): Promise<{ status: number; retryAfterMs?: number }> {
    const at = performance.now();
    figures.requests += 1;
    let status = 0;
    let retryAfter: string | null = null;
    try {
      const response = await fetch(`${gatewayUrl()}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      await response.arrayBuffer();
      status = response.status;
      retryAfter = response.headers.get('retry-after');
    } catch {
      status = 0;
    }
    figures.slowestMs = Math.max(figures.slowestMs, performance.now() - at);
    const key = status === 0 ? 'no answer' : String(status);
    figures.answers[key] = (figures.answers[key] ?? 0) + 1;
    if ((status === 503 || status === 429) && retryAfter === null) figures.withoutRetryAfter += 1;
    const seconds = Number(retryAfter);
    return retryAfter !== null && Number.isFinite(seconds)
      ? { status, retryAfterMs: Math.min(seconds * 1_000, MAX_RETRY_AFTER_MS) }
      : { status };
  }

  async function sendBatch(index: number): Promise<void> {
    const first = index * plan.batchSize;
    const events = Array.from({ length: Math.min(plan.batchSize, plan.events - first) }, (_, k) =>
      planEvent(plan, first + k),
    );
    const body = JSON.stringify({
      batch: events.map((e, k) => ({
        type: 'track',
        userId: e.userId,
        event: e.event,
        messageId: e.messageId,
        properties: { n: first + k },
      })),
    });
    sentEvents += events.length;
    const firstAttemptAt = Date.now();
    for (let tries = 0; ; tries++) {
      const { status, retryAfterMs } = await attempt(body);
      if (status === 200) {
        for (const e of events) ledger.record(e.messageId, e, tries > 0);
        return;
      }
      if (status !== 503 && status !== 429 && status !== 0)
        throw new Error(`ingest answered ${status}: the chaos load is always valid`);
      if (Date.now() - firstAttemptAt > plan.giveUpAfterMs) {
        figures.givenUp += events.length;
        return;
      }
      await sleep(retryAfterMs ?? NO_ANSWER_RETRY_MS);
    }
  }

  async function worker(): Promise<void> {
    for (;;) {
      const index = next++;
      if (index >= batches) return;
      const due = began + ((index * plan.batchSize) / plan.eventsPerSecond) * 1_000;
      if (due > Date.now()) await sleep(due - Date.now());
      await sendBatch(index);
    }
  }

  const done = Promise.all(Array.from({ length: plan.concurrency }, worker)).then(() => {
    figures.acknowledged = ledger.acknowledged.size;
    figures.retriedThenAcked = ledger.retriedThenAcked;
    figures.seconds = (Date.now() - began) / 1_000;
    return figures;
  });
  return { ledger, sent: () => sentEvents, done };
}

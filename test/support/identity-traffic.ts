// Sends a list of Segment calls through ingest as an SDK does under faults: batches paced and
// in parallel, a batch retried with the same messageIds after 503/429 or no answer, and every
// call of a batch answered 200 recorded.
import { sleep } from './processor.ts';
import type { SegmentCall } from './identity-calls.ts';

export interface CallTraffic<T> {
  /** Items whose batch was answered 200. */
  readonly acknowledged: T[];
  /** Items whose first attempt went out. */
  sent(): number;
  /** Resolves with the number of items of batches given up. */
  readonly done: Promise<{ givenUp: number; retried: number }>;
}

const REQUEST_TIMEOUT_MS = 30_000;
const RETRY_MS = 500;

export function sendCallTraffic<T extends { call: SegmentCall }>(
  gatewayUrl: () => string,
  headers: Record<string, string>,
  items: readonly T[],
  plan: { batchSize: number; concurrency: number; eventsPerSecond: number; giveUpAfterMs: number },
): CallTraffic<T> {
  const acknowledged: T[] = [];
  const batches = Math.ceil(items.length / plan.batchSize);
  const began = Date.now();
  let next = 0;
  let sent = 0;
  let givenUp = 0;
  let retried = 0;

  async function post(body: string): Promise<number> {
    try {
      const response = await fetch(`${gatewayUrl()}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      await response.arrayBuffer();
      return response.status;
    } catch {
      return 0;
    }
  }

  async function sendBatch(index: number): Promise<void> {
    const batch = items.slice(index * plan.batchSize, (index + 1) * plan.batchSize);
    const body = JSON.stringify({ batch: batch.map((item) => item.call) });
    sent += batch.length;
    const firstAttemptAt = Date.now();
    for (let tries = 0; ; tries++) {
      const status = await post(body);
      if (status === 200) {
        acknowledged.push(...batch);
        if (tries > 0) retried += batch.length;
        return;
      }
      if (status !== 503 && status !== 429 && status !== 0)
        throw new Error(`ingest answered ${status}: the load is always valid`);
      if (Date.now() - firstAttemptAt > plan.giveUpAfterMs) {
        givenUp += batch.length;
        return;
      }
      await sleep(RETRY_MS);
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

  const done = Promise.all(Array.from({ length: plan.concurrency }, worker)).then(() => ({
    givenUp,
    retried,
  }));
  return { acknowledged, sent: () => sent, done };
}

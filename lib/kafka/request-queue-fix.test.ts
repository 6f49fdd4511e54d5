import { createRequire } from 'node:module';
import RequestQueue from 'kafkajs/src/network/requestQueue/index.js';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXED_KAFKAJS_VERSION } from './request-queue-fix.ts';

const queues: RequestQueue[] = [];
function queue(): RequestQueue {
  const created = new RequestQueue({
    maxInFlightRequests: 1,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'test',
    broker: 'localhost:9092',
    logger: { debug: () => undefined, warn: () => undefined },
  });
  queues.push(created);
  return created;
}

describe('the kafkajs request queue fix', () => {
  afterEach(() => queues.splice(0).forEach((q) => q.destroy()));

  it('is written for the installed kafkajs', () => {
    const installed = createRequire(import.meta.url)('kafkajs/package.json') as { version: string };
    expect(installed.version).toBe(FIXED_KAFKAJS_VERSION);
  });

  it('arms no timer when nothing is pending and nothing is throttled', () => {
    const idle = queue();
    idle.scheduleCheckPendingRequests();
    expect(idle.throttleCheckTimeoutId).toBeNull();
  });

  it('checks requests held back by the in-flight limit again', () => {
    const saturated = queue();
    saturated.pending.push({});
    saturated.scheduleCheckPendingRequests();
    expect(saturated.throttleCheckTimeoutId).not.toBeNull();
  });

  it('checks again when a throttle ends, pending requests or not', async () => {
    const throttled = queue();
    throttled.throttledUntil = Date.now() + 20;
    let checks = 0;
    throttled.checkPendingRequests = () => void checks++;
    throttled.scheduleCheckPendingRequests();
    expect(throttled.throttleCheckTimeoutId).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(checks).toBe(1);
  });
});

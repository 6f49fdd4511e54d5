import type { Message } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createGroupSender } from './group-send.ts';

/** A request the test settles by hand, with the messages it carried. */
interface Request {
  values: string[];
  deadline: number;
  settle(error?: Error): void;
}

function harness(maxBytes?: number) {
  const requests: Request[] = [];
  const sender = createGroupSender(
    (messages, deadline) =>
      new Promise<void>((resolve, reject) => {
        requests.push({
          values: messages.map((m) => String(m.value)),
          deadline,
          settle: (error) => (error ? reject(error) : resolve()),
        });
      }),
    () => new Error('timed out waiting'),
    maxBytes,
  );
  return { sender, requests };
}

const messages = (...values: string[]): Message[] => values.map((value) => ({ value }));
const outcome = (promise: Promise<void>) =>
  promise.then(
    () => 'sent',
    (error: Error) => error.message,
  );
const later = Date.now() + 60_000;
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('createGroupSender', () => {
  it('sends the first caller alone and everyone who arrived meanwhile in one next request', async () => {
    const { sender, requests } = harness();
    const first = outcome(sender.send(messages('a'), later));
    const second = outcome(sender.send(messages('b', 'c'), later));
    const third = outcome(sender.send(messages('d'), later));
    expect(requests.map((r) => r.values)).toEqual([['a']]);

    requests[0]?.settle();
    expect(await first).toBe('sent');
    await tick();
    expect(requests.map((r) => r.values)).toEqual([['a'], ['b', 'c', 'd']]);
    requests[1]?.settle();
    expect([await second, await third]).toEqual(['sent', 'sent']);
  });

  it('fails exactly the callers of a failed request, and goes on with the next ones', async () => {
    const { sender, requests } = harness();
    const first = outcome(sender.send(messages('a'), later));
    const second = outcome(sender.send(messages('b'), later));
    requests[0]?.settle(new Error('broker gone'));
    expect(await first).toBe('broker gone');
    await tick();
    requests[1]?.settle();
    expect(await second).toBe('sent');
  });

  it('keeps a request within maxBytes, except one oversized caller alone', async () => {
    // Each message counts its value plus 64 bytes of framing: 'x'.repeat(36) is 100 bytes.
    const { sender, requests } = harness(250);
    const hundred = 'x'.repeat(36);
    void sender.send(messages('first'), later);
    void sender.send(messages(hundred), later);
    void sender.send(messages(hundred), later);
    void sender.send(messages(hundred), later);
    void sender.send(messages('y'.repeat(400)), later);
    for (let i = 0; i < 3; i++) {
      requests.at(-1)?.settle();
      await tick();
    }
    expect(requests.map((r) => r.values.length)).toEqual([1, 2, 1, 1]);
    expect(requests[3]?.values[0]).toHaveLength(400);
  });

  it("bounds a request by the earliest of its callers' deadlines", async () => {
    const { sender, requests } = harness();
    void sender.send(messages('a'), later);
    void sender.send(messages('b'), later + 5_000);
    void sender.send(messages('c'), later + 1_000);
    requests[0]?.settle();
    await tick();
    expect(requests[1]?.deadline).toBe(later + 1_000);
  });

  it('rejects a caller whose deadline passes while it waits, and never sends its messages', async () => {
    const { sender, requests } = harness();
    void sender.send(messages('a'), later);
    const waiting = outcome(sender.send(messages('late'), Date.now() + 20));
    expect(await waiting).toBe('timed out waiting');
    requests[0]?.settle();
    await tick();
    expect(requests.map((r) => r.values)).toEqual([['a']]);
  });
});

import type { Message } from 'kafkajs';
import { MAX_REQUEST_BYTES, chunkBySize, messageBytes } from './send-in-chunks.ts';

/** Sends one request; must settle by `deadline` (ms since the epoch; Infinity for none). */
export type SendRequest = (messages: Message[], deadline: number) => Promise<void>;

export interface GroupSender {
  /**
   * Resolves when the request that carried these messages was acknowledged; rejects with that
   * request's error, or with `timeoutError()` when `deadline` passes while they still wait.
   * Without a deadline they wait as long as it takes.
   */
  send(messages: readonly Message[], deadline?: number): Promise<void>;
}

interface Waiting {
  messages: readonly Message[];
  bytes: number;
  deadline: number;
  timer: NodeJS.Timeout | undefined;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Group commit for a producer: while one request is in flight, the messages of every caller
 * that arrives meanwhile wait and then go out together in the next request (up to
 * `maxBytes`). An idempotent kafkajs producer sends one request per broker at a time, so one
 * request per caller caps the callers at one per broker round trip; grouped, the callers of a
 * round trip share it, and a caller waits at most the one request ahead of its own. Messages
 * of one caller stay in order and together; callers should keep each call within `maxBytes`
 * (chunkMessages), since one larger call goes out alone as it is.
 */
export function createGroupSender(
  sendRequest: SendRequest,
  timeoutError: () => Error = () => new Error('no request could take the messages in time'),
  maxBytes = MAX_REQUEST_BYTES,
): GroupSender {
  let waiting: Waiting[] = [];
  let inFlight = false;

  /** The waiting callers that fit in one request, in arrival order (at least the first). */
  function takeGroup(): Waiting[] {
    const group = chunkBySize(waiting, (entry) => entry.bytes, maxBytes)[0] ?? [];
    waiting = waiting.slice(group.length);
    return group;
  }

  async function sendNext(): Promise<void> {
    if (inFlight || waiting.length === 0) return;
    inFlight = true;
    const group = takeGroup();
    for (const entry of group) clearTimeout(entry.timer);
    try {
      await sendRequest(
        group.flatMap((entry) => entry.messages),
        Math.min(...group.map((entry) => entry.deadline)),
      );
      for (const entry of group) entry.resolve();
    } catch (error) {
      for (const entry of group) entry.reject(error);
    } finally {
      inFlight = false;
      void sendNext();
    }
  }

  return {
    send(messages, deadline = Infinity) {
      return new Promise<void>((resolve, reject) => {
        const entry: Waiting = {
          messages,
          bytes: messages.reduce((sum, message) => sum + messageBytes(message), 0),
          deadline,
          // Only while it waits: once its request is in flight, that request's deadline
          // (the earliest of its callers') bounds it.
          timer: Number.isFinite(deadline)
            ? setTimeout(
                () => {
                  waiting = waiting.filter((other) => other !== entry);
                  reject(timeoutError());
                },
                Math.max(deadline - Date.now(), 1),
              )
            : undefined,
          resolve,
          reject,
        };
        waiting.push(entry);
        void sendNext();
      });
    },
  };
}

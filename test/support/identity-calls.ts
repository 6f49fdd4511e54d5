// Segment calls of identity tests: sent through ingest, replayed under one id for a control
// person, and the processor's answers to refused merges (dead letters, metrics).
import { expect } from 'vitest';
import { DEAD_LETTER_HEADERS } from '../../lib/kafka/dead-letter.ts';
import { sendSegment } from './http.ts';
import type { Sandbox } from './isolation.ts';
import { readTopic } from './kafka.ts';

/** One Segment call as a client sends it (one element of a /v1/batch body). */
export type SegmentCall = { type: string; messageId: string } & Record<string, unknown>;

/** The identifier fields of a call: what ties it to a person. */
const IDENTIFIER_FIELDS = ['userId', 'anonymousId', 'previousId'] as const;

/** POSTs the calls as one /v1/batch and expects ingest to accept them. */
export async function sendCalls(gatewayUrl: string, calls: readonly SegmentCall[]): Promise<void> {
  const response = await sendSegment(gatewayUrl, 'batch', { batch: calls });
  expect(response.status, await response.clone().text()).toBe(200);
}

/**
 * The same calls as sent by one person under one identifier: every userId, anonymousId and
 * previousId replaced by `id`, messageIds prefixed so the copies are distinct events.
 */
export function underOneId(
  calls: readonly SegmentCall[],
  id: string,
  messagePrefix: string,
): SegmentCall[] {
  return calls.map((call) => {
    const copy: SegmentCall = { ...call, messageId: `${messagePrefix}${call.messageId}` };
    for (const field of IDENTIFIER_FIELDS) if (field in copy) copy[field] = id;
    return copy;
  });
}

/** The sum of every sample of a Prometheus counter on a /metrics page (0 when absent). */
export async function metricSum(baseUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

export interface MergeRefusal {
  key: string;
  reason: string;
  /** Every header of the letter, as text. */
  headers: Record<string, string>;
  value: Record<string, unknown>;
}

/** The kind in a header of its own, or (as the processor writes it) the reason's opening words. */
const isMergeRefusal = (letter: MergeRefusal) =>
  Object.values(letter.headers).some((value) => value.includes('merge_refused')) ||
  letter.reason.startsWith('merge refused');

/**
 * Reads the dead-letter topic until a `merge_refused` letter of an event keyed `key` is there
 * (its kind travels in a header) and returns those letters.
 */
export async function mergeRefusalsOf(sandbox: Sandbox, key: string): Promise<MergeRefusal[]> {
  const decode = (message: {
    key: Buffer | null;
    value: Buffer | null;
    headers?: Record<string, unknown>;
  }): MergeRefusal => {
    const headers = Object.fromEntries(
      Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
    );
    return {
      key: message.key?.toString() ?? '',
      reason: headers[DEAD_LETTER_HEADERS.reason] ?? '',
      headers,
      value: JSON.parse(message.value?.toString() ?? '{}') as Record<string, unknown>,
    };
  };
  const refusalsOf = (messages: Parameters<typeof decode>[0][]) =>
    messages.map(decode).filter((letter) => letter.key === key && isMergeRefusal(letter));
  const messages = await readTopic(
    sandbox,
    sandbox.topics.deadLetter,
    (read) => refusalsOf(read).length > 0,
  );
  return refusalsOf(messages);
}

import type { Message, Producer } from 'kafkajs';

/**
 * Upper bound of one produce request's payload. Kafka refuses a record batch above the broker's
 * `message.max.bytes` (1 MiB by default) with a non-retriable error that stops a kafkajs
 * consumer for good, so large sends are split well below it, leaving room for batch overhead.
 */
export const MAX_REQUEST_BYTES = 512 * 1024; // 512 KiB

/** A message's share of a produce request, in bytes. */
export function messageBytes(message: Message): number {
  const part = (value: Message['key'] | Message['value']): number =>
    value == null ? 0 : typeof value === 'string' ? Buffer.byteLength(value) : value.length;
  return part(message.key) + part(message.value) + 64; // 64 bytes: record framing and headers
}

/** Splits items into consecutive groups of at most `maxBytes` (a larger item goes alone). */
export function chunkBySize<T>(
  items: readonly T[],
  sizeOf: (item: T) => number,
  maxBytes = MAX_REQUEST_BYTES,
): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Splits messages into consecutive groups of at most `maxBytes` (a larger message goes alone). */
export function chunkMessages(
  messages: readonly Message[],
  maxBytes = MAX_REQUEST_BYTES,
): Message[][] {
  return chunkBySize(messages, messageBytes, maxBytes);
}

/**
 * Sends messages to one topic in requests below the broker's size limit, one after another so
 * the order per key is kept. Resolves once every in-sync replica acknowledged all of them.
 */
export async function sendInChunks(
  producer: Producer,
  topic: string,
  messages: readonly Message[],
): Promise<void> {
  for (const chunk of chunkMessages(messages))
    await producer.send({ topic, acks: -1, messages: chunk });
}

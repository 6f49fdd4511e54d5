import { randomBytes } from 'node:crypto';
import type { Consumer, IHeaders, Kafka } from 'kafkajs';
import { DEAD_LETTER_HEADERS } from '../../../lib/kafka/dead-letter.ts';
import type { Logger } from '../../../lib/logger.ts';
import type { DeadLetterSummary } from './model.ts';
import type { PartitionEnd } from './offsets.ts';

/** How many of the newest dead letters the status shows. */
export const LATEST_DEAD_LETTERS = 20;

function headerText(headers: IHeaders | undefined, name: string): string | null {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined) return null;
  return Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
}

/**
 * A dead letter's reason and source from its headers (lib/kafka/dead-letter.ts); `at` is when
 * it was written (the record's timestamp). A letter written by another tool without the
 * headers still counts, with what is known of it.
 */
export function decodeDeadLetter(message: {
  headers?: IHeaders;
  timestamp: string;
}): DeadLetterSummary {
  const partition = headerText(message.headers, DEAD_LETTER_HEADERS.sourcePartition);
  const parsedPartition = partition === null ? NaN : Number(partition);
  return {
    reason: headerText(message.headers, DEAD_LETTER_HEADERS.reason) ?? 'unknown',
    at: new Date(Number(message.timestamp)),
    topic: headerText(message.headers, DEAD_LETTER_HEADERS.sourceTopic),
    partition: Number.isInteger(parsedPartition) ? parsedPartition : null,
    offset: headerText(message.headers, DEAD_LETTER_HEADERS.sourceOffset),
  };
}

interface Kept {
  letter: DeadLetterSummary;
  partition: number;
  offset: bigint;
}

/** Keeps the newest `limit` letters by write time, once each (a re-read offset replaces itself). */
export function createLatestLetters(limit = LATEST_DEAD_LETTERS) {
  const kept = new Map<string, Kept>();
  const order = (a: Kept, b: Kept) =>
    b.letter.at.getTime() - a.letter.at.getTime() ||
    a.partition - b.partition ||
    (b.offset > a.offset ? 1 : b.offset < a.offset ? -1 : 0);
  return {
    add(partition: number, offset: string, letter: DeadLetterSummary): void {
      kept.set(`${partition}:${offset}`, { letter, partition, offset: BigInt(offset) });
      if (kept.size <= limit) return;
      const sorted = [...kept.entries()].sort(([, a], [, b]) => order(a, b));
      for (const [key] of sorted.slice(limit)) kept.delete(key);
    },
    /** Newest first. */
    latest: (): DeadLetterSummary[] => [...kept.values()].sort(order).map((k) => k.letter),
  };
}

export interface DeadLetterTail {
  /** The newest dead letters read so far, newest first; starts reading on first use. */
  latest(): DeadLetterSummary[];
  stop(): Promise<void>;
}

/**
 * Reads the tail of the dead-letter topic: a consumer of its own group (one per config
 * process, never committing) that begins each partition at most LATEST_DEAD_LETTERS from its
 * end and then follows it. Started on first use and again after a failure, so the config
 * service never waits for Kafka to start.
 */
export function createDeadLetterTail(options: {
  kafka: Kafka;
  /** The topic's partition offsets (Kafka's admin). */
  ends(topic: string): Promise<PartitionEnd[]>;
  topic: string;
  groupPrefix: string;
  logger: Logger;
}): DeadLetterTail {
  const letters = createLatestLetters();
  let consumer: Consumer | undefined;
  let starting: Promise<void> | undefined;

  async function begin(): Promise<void> {
    const groupId = `${options.groupPrefix}-dead-letter-tail-${randomBytes(4).toString('hex')}`;
    const next = options.kafka.consumer({ groupId, allowAutoTopicCreation: false });
    consumer = next;
    // At each assignment (the group is this process alone: every partition), step back to the
    // tail; messages read before the seek are simply kept as well, once each.
    next.on(next.events.GROUP_JOIN, () => {
      void options.ends(options.topic).then(
        (ends) => {
          for (const { partition, high, low } of ends) {
            const from = BigInt(high) - BigInt(LATEST_DEAD_LETTERS);
            const start = from > BigInt(low) ? from : BigInt(low);
            next.seek({ topic: options.topic, partition, offset: start.toString() });
          }
        },
        (error: unknown) => options.logger.warn({ err: error }, 'dead-letter tail: no offsets'),
      );
    });
    next.on(next.events.CRASH, ({ payload }) => {
      // kafkajs restarts a crashed consumer by itself unless the error is fatal: start anew then.
      if (payload.restart || consumer !== next) return;
      consumer = undefined;
      void next.disconnect().catch(() => undefined);
    });
    await next.connect();
    await next.subscribe({ topic: options.topic, fromBeginning: false });
    await next.run({
      autoCommit: false,
      eachMessage: ({ partition, message }) => {
        letters.add(partition, message.offset, decodeDeadLetter(message));
        return Promise.resolve();
      },
    });
  }

  function ensureStarted(): void {
    if (consumer !== undefined || starting !== undefined) return;
    starting = begin()
      .catch(async (error: unknown) => {
        options.logger.warn({ err: error }, 'dead-letter tail did not start; retrying later');
        const failed = consumer;
        consumer = undefined;
        await failed?.disconnect().catch(() => undefined);
      })
      .finally(() => (starting = undefined));
  }

  return {
    latest() {
      ensureStarted();
      return letters.latest();
    },
    async stop() {
      await starting;
      await consumer?.disconnect().catch(() => undefined);
      consumer = undefined;
    },
  };
}

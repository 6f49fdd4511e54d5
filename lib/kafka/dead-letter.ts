import type { KafkaMessage, Producer } from 'kafkajs';
import { sendInChunks } from './send-in-chunks.ts';

/** Why and where a message failed; travels as headers beside the untouched original bytes. */
export interface DeadLetter {
  value: Buffer | null;
  key: Buffer | null;
  reason: string;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  failedBy: string;
}

/** The dead letter of one consumed message: its original bytes and where it came from. */
export function deadLetterOf(
  source: { topic: string; partition: number },
  message: Pick<KafkaMessage, 'key' | 'value' | 'offset'>,
  reason: string,
  failedBy: string,
): DeadLetter {
  return {
    key: message.key,
    value: message.value,
    reason,
    sourceTopic: source.topic,
    sourcePartition: source.partition,
    sourceOffset: message.offset,
    failedBy,
  };
}

export const DEAD_LETTER_HEADERS = {
  reason: 'x-dlq-reason',
  sourceTopic: 'x-dlq-source-topic',
  sourcePartition: 'x-dlq-source-partition',
  sourceOffset: 'x-dlq-source-offset',
  failedBy: 'x-dlq-failed-by',
} as const;

/**
 * Sends poison messages to the dead-letter topic with the original bytes, so nothing is lost
 * and an operator can replay them once the cause is fixed. Resolves after Kafka acknowledged.
 */
export async function sendDeadLetters(
  producer: Producer,
  topic: string,
  letters: readonly DeadLetter[],
): Promise<void> {
  if (letters.length === 0) return;
  await sendInChunks(
    producer,
    topic,
    letters.map((letter) => ({
      key: letter.key,
      value: letter.value,
      headers: {
        [DEAD_LETTER_HEADERS.reason]: letter.reason,
        [DEAD_LETTER_HEADERS.sourceTopic]: letter.sourceTopic,
        [DEAD_LETTER_HEADERS.sourcePartition]: String(letter.sourcePartition),
        [DEAD_LETTER_HEADERS.sourceOffset]: letter.sourceOffset,
        [DEAD_LETTER_HEADERS.failedBy]: letter.failedBy,
      },
    })),
  );
}

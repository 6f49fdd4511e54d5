import { chunkBySize } from './send-in-chunks.ts';

export interface BatchRounds<B> {
  /** Resolves when the round that carried this batch was applied; rejects with its error. */
  add(batch: B): Promise<void>;
}

interface Waiting<B> {
  batch: B;
  size: number;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Applies the batches of several partitions together, in rounds. kafkajs hands a consumer one
 * batch per partition, and the batches of one fetch all at once (up to
 * `partitionsConsumedConcurrently`); applied one by one, each would pay its own store read,
 * store write and changelog send, and at light load, where a batch holds an event or two, those
 * round trips are nearly all the work. A round starts one event-loop turn after its first batch
 * arrived, so the batches of a fetch share it; batches that arrive while a round runs form the
 * next one. A round takes batches until `maxSize` (by `sizeOf`), but always at least one.
 */
export function createBatchRounds<B>(
  apply: (batches: B[]) => Promise<void>,
  sizeOf: (batch: B) => number,
  maxSize: number,
): BatchRounds<B> {
  let waiting: Waiting<B>[] = [];
  let scheduled = false;
  let running = false;

  function schedule(): void {
    if (scheduled || running || waiting.length === 0) return;
    scheduled = true;
    setImmediate(() => void run());
  }

  async function run(): Promise<void> {
    scheduled = false;
    running = true;
    const round = chunkBySize(waiting, (entry) => entry.size, maxSize)[0] ?? [];
    waiting = waiting.slice(round.length);
    try {
      await apply(round.map((entry) => entry.batch));
      for (const entry of round) entry.resolve();
    } catch (error) {
      for (const entry of round) entry.reject(error);
    } finally {
      running = false;
      schedule();
    }
  }

  return {
    add(batch) {
      return new Promise<void>((resolve, reject) => {
        waiting.push({ batch, size: sizeOf(batch), resolve, reject });
        schedule();
      });
    },
  };
}

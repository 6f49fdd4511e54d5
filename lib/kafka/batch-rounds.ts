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
    let size = 0;
    let taken = 0;
    for (const next of waiting) {
      if (taken > 0 && size + next.size > maxSize) break;
      size += next.size;
      taken++;
    }
    const round = waiting.slice(0, taken);
    waiting = waiting.slice(taken);
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

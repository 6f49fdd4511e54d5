import { describe, expect, it } from 'vitest';
import { createBatchRounds } from './batch-rounds.ts';

/** A round the test settles by hand, with the batches it carried. */
interface Round {
  batches: string[];
  settle(error?: Error): void;
}

function harness(maxSize = 100) {
  const rounds: Round[] = [];
  const combiner = createBatchRounds<string>(
    (batches) =>
      new Promise<void>((resolve, reject) => {
        rounds.push({ batches, settle: (error) => (error ? reject(error) : resolve()) });
      }),
    (batch) => batch.length,
    maxSize,
  );
  return { combiner, rounds };
}

const outcome = (promise: Promise<void>) =>
  promise.then(
    () => 'applied',
    (error: Error) => error.message,
  );
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('createBatchRounds', () => {
  it('applies the batches that arrive together in one round', async () => {
    const { combiner, rounds } = harness();
    const results = ['p0', 'p1', 'p2'].map((batch) => outcome(combiner.add(batch)));
    await turn();
    expect(rounds.map((r) => r.batches)).toEqual([['p0', 'p1', 'p2']]);
    rounds[0]?.settle();
    expect(await Promise.all(results)).toEqual(['applied', 'applied', 'applied']);
  });

  it('puts the batches that arrive during a round into the next one', async () => {
    const { combiner, rounds } = harness();
    const first = outcome(combiner.add('p0'));
    await turn();
    const later = [outcome(combiner.add('p1')), outcome(combiner.add('p2'))];
    await turn();
    expect(rounds.map((r) => r.batches)).toEqual([['p0']]);

    rounds[0]?.settle();
    expect(await first).toBe('applied');
    await turn();
    expect(rounds.map((r) => r.batches)).toEqual([['p0'], ['p1', 'p2']]);
    rounds[1]?.settle();
    expect(await Promise.all(later)).toEqual(['applied', 'applied']);
  });

  it('keeps a round within maxSize, but never leaves a large batch behind', async () => {
    const { combiner, rounds } = harness(5);
    const results = ['aaaaaaa', 'bb', 'cc', 'dd'].map((batch) => outcome(combiner.add(batch)));
    await turn();
    expect(rounds.map((r) => r.batches)).toEqual([['aaaaaaa']]);
    rounds[0]?.settle();
    await turn();
    await turn();
    expect(rounds.map((r) => r.batches)).toEqual([['aaaaaaa'], ['bb', 'cc']]);
    rounds[1]?.settle();
    await turn();
    await turn();
    expect(rounds.map((r) => r.batches)).toEqual([['aaaaaaa'], ['bb', 'cc'], ['dd']]);
    rounds[2]?.settle();
    expect(await Promise.all(results)).toEqual(['applied', 'applied', 'applied', 'applied']);
  });

  it('fails every batch of a failed round, and the next round still runs', async () => {
    const { combiner, rounds } = harness();
    const failed = [outcome(combiner.add('p0')), outcome(combiner.add('p1'))];
    await turn();
    const next = outcome(combiner.add('p2'));
    rounds[0]?.settle(new Error('Redis went away'));
    expect(await Promise.all(failed)).toEqual(['Redis went away', 'Redis went away']);
    await turn();
    rounds[1]?.settle();
    expect(await next).toBe('applied');
    expect(rounds.map((r) => r.batches)).toEqual([['p0', 'p1'], ['p2']]);
  });
});

import { describe, expect, it } from 'vitest';
import { createOffsetCommitter, type PartitionOffset } from './offset-committer.ts';

/** A commit request the test settles by hand. */
interface Request {
  offsets: string[];
  settle(error?: Error): void;
}

function harness() {
  const requests: Request[] = [];
  const failures: string[][] = [];
  const committer = createOffsetCommitter(
    (offsets) =>
      new Promise<void>((resolve, reject) => {
        requests.push({
          offsets: offsets.map(label),
          settle: (error) => (error ? reject(error) : resolve()),
        });
      }),
    (_error, offsets) => failures.push(offsets.map(label)),
  );
  return { committer, requests, failures };
}

const label = ({ topic, partition, offset }: PartitionOffset) => `${topic}/${partition}@${offset}`;
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('createOffsetCommitter', () => {
  it('commits at once and sends what advanced meanwhile together, newest offset per partition', async () => {
    const { committer, requests } = harness();
    committer.advance('events', 0, '10');
    committer.advance('events', 1, '5');
    committer.advance('events', 1, '7');
    committer.advance('events', 2, '3');
    expect(requests.map((r) => r.offsets)).toEqual([['events/0@10']]);

    requests[0]?.settle();
    await tick();
    expect(requests.map((r) => r.offsets)).toEqual([['events/0@10'], ['events/1@7', 'events/2@3']]);
  });

  it('keeps a failed offset for the next request unless a newer one replaced it', async () => {
    const { committer, requests, failures } = harness();
    committer.advance('events', 0, '10');
    committer.advance('events', 1, '4');
    requests[0]?.settle();
    await tick();
    committer.advance('events', 0, '12');
    requests[1]?.settle(new Error('coordinator moved'));
    await tick();
    expect(failures).toEqual([['events/1@4']]);
    // Nothing is retried on its own: a failure is not followed by a burst of requests.
    expect(requests).toHaveLength(2);

    committer.advance('events', 1, '6');
    expect(requests[2]?.offsets).toEqual(['events/0@12', 'events/1@6']);
  });

  it('never sends offsets of partitions a rebalance moved to another member', async () => {
    const { committer, requests } = harness();
    committer.advance('events', 0, '10');
    committer.advance('events', 1, '4');
    committer.advance('events', 2, '8');
    committer.retain({ events: [0, 2] });
    committer.advance('events', 1, '5');
    requests[0]?.settle();
    await tick();
    expect(requests.map((r) => r.offsets)).toEqual([['events/0@10'], ['events/2@8']]);
  });

  it('flush waits for the request in flight and sends what waited behind it', async () => {
    const { committer, requests } = harness();
    committer.advance('events', 0, '10');
    committer.advance('events', 1, '4');
    let flushed = false;
    const flushing = committer.flush().then(() => (flushed = true));
    await tick();
    expect(flushed).toBe(false);

    requests[0]?.settle();
    await tick();
    expect(requests.map((r) => r.offsets)).toEqual([['events/0@10'], ['events/1@4']]);
    expect(flushed).toBe(false);

    requests[1]?.settle();
    await flushing;
    expect(flushed).toBe(true);
  });

  it('flush retries offsets whose commit failed, once', async () => {
    const { committer, requests, failures } = harness();
    committer.advance('events', 0, '10');
    requests[0]?.settle(new Error('not the coordinator'));
    await tick();
    const flushing = committer.flush();
    await tick();
    expect(requests.map((r) => r.offsets)).toEqual([['events/0@10'], ['events/0@10']]);
    requests[1]?.settle();
    await flushing;
    expect(failures).toEqual([['events/0@10']]);
  });
});

import { describe, expect, it } from 'vitest';
import { createPushIterator, QueueOverflowError } from './push-iterator.ts';

describe('createPushIterator', () => {
  it('hands pushed values to the consumer in order, queued or awaited', async () => {
    const iterator = createPushIterator<number>();
    iterator.push(1);
    expect(await iterator.next()).toEqual({ value: 1, done: false });
    const second = iterator.next();
    iterator.push(2);
    expect(await second).toEqual({ value: 2, done: false });
  });

  it('runs onEnd once when the consumer returns, and refuses later pushes', async () => {
    let ended = 0;
    const iterator = createPushIterator<number>({ onEnd: () => ended++ });
    const waiting = iterator.next();
    await iterator.return(undefined);
    await iterator.return(undefined);
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(iterator.push(1)).toBe(false);
    expect(ended).toBe(1);
  });

  it('delivers queued values before a normal end, and fails at once on an error', async () => {
    const iterator = createPushIterator<number>();
    iterator.push(1);
    iterator.end();
    expect(await iterator.next()).toEqual({ value: 1, done: false });
    expect((await iterator.next()).done).toBe(true);

    const failing = createPushIterator<number>();
    failing.push(1);
    failing.end(new Error('upstream gone'));
    await expect(failing.next()).rejects.toThrow('upstream gone');
  });

  it('fails with QueueOverflowError when the consumer falls too far behind', async () => {
    const iterator = createPushIterator<number>({ maxQueued: 2 });
    expect([iterator.push(1), iterator.push(2), iterator.push(3)]).toEqual([true, true, false]);
    await expect(iterator.next()).rejects.toBeInstanceOf(QueueOverflowError);
  });

  it('with overflow drop-oldest, keeps the newest maxQueued values and goes on', async () => {
    const iterator = createPushIterator<number>({ maxQueued: 2, overflow: 'drop-oldest' });
    expect([iterator.push(1), iterator.push(2), iterator.push(3)]).toEqual([true, true, true]);
    expect(iterator.ended).toBe(false);
    expect((await iterator.next()).value).toBe(2);
    expect((await iterator.next()).value).toBe(3);
  });
});

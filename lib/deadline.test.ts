import { describe, expect, it } from 'vitest';
import { DeadlineError, settlesWithin, withDeadline } from './deadline.ts';

const never = new Promise<never>(() => undefined);

describe('settlesWithin', () => {
  it('is true when the work resolves or rejects in time', async () => {
    expect(await settlesWithin(Promise.resolve('x'), 1_000)).toBe(true);
    expect(await settlesWithin(Promise.reject(new Error('failed')), 1_000)).toBe(true);
  });

  it('is false when the work is still running at the timeout', async () => {
    expect(await settlesWithin(never, 10)).toBe(false);
  });
});

describe('withDeadline', () => {
  it('passes the value and the rejection of work that settles in time', async () => {
    expect(await withDeadline(Promise.resolve(42), 1_000, 'answering')).toBe(42);
    await expect(
      withDeadline(Promise.reject(new Error('refused')), 1_000, 'answering'),
    ).rejects.toThrow('refused');
  });

  it('rejects with a DeadlineError naming the work at the timeout', async () => {
    const late = withDeadline(never, 10, 'connecting to Kafka');
    await expect(late).rejects.toBeInstanceOf(DeadlineError);
    await expect(late).rejects.toThrow('connecting to Kafka took longer than 10 ms');
  });
});

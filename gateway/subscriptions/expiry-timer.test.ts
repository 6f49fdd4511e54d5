import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { scheduleExpiry } from './expiry-timer.ts';

describe('scheduleExpiry', () => {
  beforeEach(() => void vi.useFakeTimers({ now: 0 }));
  afterEach(() => void vi.useRealTimers());

  it('fires at the expiry, not before, and not once cancelled', () => {
    const fired = vi.fn();
    scheduleExpiry(2_000, fired);
    vi.advanceTimersByTime(1_999);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledOnce();

    const cancelled = vi.fn();
    scheduleExpiry(4_000, cancelled)();
    vi.advanceTimersByTime(10_000);
    expect(cancelled).not.toHaveBeenCalled();
  });

  it('waits for an expiry beyond the longest timer delay instead of firing at once', () => {
    const fired = vi.fn();
    const thirtyDays = 30 * 24 * 3_600 * 1_000; // ms
    scheduleExpiry(thirtyDays, fired);
    vi.advanceTimersByTime(thirtyDays - 1);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledOnce();
  });
});

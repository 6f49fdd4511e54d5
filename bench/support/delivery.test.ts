import { describe, expect, it } from 'vitest';
import { DeliveryTracker } from './delivery.ts';

describe('DeliveryTracker', () => {
  it('measures from the send to the message that shows the update', () => {
    const tracker = new DeliveryTracker(1);
    tracker.sent('p1', 1, 100, true);
    expect(tracker.pending()).toBe(1);
    tracker.received('p1', 0, 1, 112);
    expect(tracker.latencies()).toEqual([12]);
    expect(tracker.pending()).toBe(0);
  });

  it('counts a coalesced message for every update it carries', () => {
    const tracker = new DeliveryTracker(1);
    tracker.sent('p1', 1, 100, true);
    tracker.sent('p1', 2, 105, true);
    tracker.sent('p1', 3, 110, true);
    tracker.received('p1', 0, 2, 130);
    expect(tracker.latencies()).toEqual([30, 25]);
    expect(tracker.pending()).toBe(1);
  });

  it('waits for the last subscriber of a profile', () => {
    const tracker = new DeliveryTracker(3);
    tracker.sent('p1', 1, 0, true);
    tracker.received('p1', 0, 1, 5);
    tracker.received('p1', 2, 1, 9);
    tracker.received('p1', 2, 1, 11); // a repeat from the same subscriber does not count
    expect(tracker.latencies()).toEqual([]);
    tracker.received('p1', 1, 1, 20);
    expect(tracker.latencies()).toEqual([20]);
  });

  it('tracks warm-up updates without measuring them', () => {
    const tracker = new DeliveryTracker(1);
    tracker.sent('p1', 1, 0, false);
    expect(tracker.undelivered()).toBe(1);
    expect(tracker.pending()).toBe(0);
    tracker.received('p1', 0, 1, 50);
    expect(tracker.undelivered()).toBe(0);
    expect(tracker.latencies()).toEqual([]);
  });

  it('ignores an update every subscriber already saw (the answer beat the send bookkeeping)', () => {
    const tracker = new DeliveryTracker(1);
    tracker.received('p1', 0, 1, 10);
    tracker.sent('p1', 1, 5, true);
    expect(tracker.pending()).toBe(0);
    expect(tracker.undelivered()).toBe(0);
  });

  it('keeps profiles apart', () => {
    const tracker = new DeliveryTracker(1);
    tracker.sent('p1', 1, 0, true);
    tracker.sent('p2', 1, 0, true);
    tracker.received('p2', 0, 1, 7);
    expect(tracker.latencies()).toEqual([7]);
    expect(tracker.pending()).toBe(1);
  });
});

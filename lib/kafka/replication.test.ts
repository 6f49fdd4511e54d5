import { describe, expect, it } from 'vitest';
import { replicationFor } from './replication.ts';

describe('replicationFor', () => {
  it('keeps a single broker at one copy and the broker default for in-sync replicas', () => {
    expect(replicationFor(1)).toEqual({ replicationFactor: 1, configEntries: [] });
  });

  it('uses both brokers of two without requiring both for a write', () => {
    expect(replicationFor(2)).toEqual({ replicationFactor: 2, configEntries: [] });
  });

  it('keeps three copies, two of them in sync for a write, from three brokers up', () => {
    const three = {
      replicationFactor: 3,
      configEntries: [{ name: 'min.insync.replicas', value: '2' }],
    };
    expect(replicationFor(3)).toEqual(three);
    expect(replicationFor(7)).toEqual(three);
  });

  it('refuses a cluster without brokers', () => {
    expect(() => replicationFor(0)).toThrow(/at least one broker/);
  });
});

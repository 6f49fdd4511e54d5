import { describe, expect, it } from 'vitest';
import type { BytesPerEvent } from './footprint.ts';
import { bytesChecks, coresCheck } from './steady-checks.ts';

const run = (changelog: number, snapshots: number): BytesPerEvent => ({
  events: 1_000,
  kafkaChangelog: changelog,
  redis: 100,
  postgresSnapshots: snapshots,
  postgresTables: snapshots + 500,
  postgresWal: 3_000,
});

describe('steady-state result lines', () => {
  it('checks changelog + snapshot bytes against 2 KiB on profiles with history only', () => {
    const runs = [run(1_000, 500), run(3_000, 500), run(2_000, 500)];
    const history = bytesChecks({ scenario: 's', start: 'history', runs, postgres: true });
    const sum = history.find((check) => check.label.startsWith('changelog + snapshot'));
    expect(sum).toMatchObject({ value: 2_500, target: { kind: 'below', value: 2_048 } });
    const fresh = bytesChecks({ scenario: 's', start: 'fresh', runs, postgres: true });
    expect(fresh.every((check) => check.target.kind === 'info')).toBe(true);
  });

  it('leaves the database out where no archiver ran', () => {
    const checks = bytesChecks({
      scenario: 's',
      start: 'history',
      runs: [run(1, 1)],
      postgres: false,
    });
    expect(checks.map((check) => check.label)).toEqual([
      'Kafka changelog bytes per event, profiles with history',
      'Redis input bytes per event (server-wide), profiles with history',
    ]);
  });

  it('targets cores per 1,000 events/s only for the whole system at steady state', () => {
    const of = (targeted: boolean, start: 'fresh' | 'history') =>
      coresCheck({ scenario: 's', start, who: 'w', runs: [0.5, 0.7, 0.9], targeted }).target;
    expect(of(true, 'history')).toEqual({ kind: 'below', value: 0.6 });
    expect(of(true, 'fresh')).toEqual({ kind: 'info' });
    expect(of(false, 'history')).toEqual({ kind: 'info' });
  });
});

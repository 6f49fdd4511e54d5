import type { BytesPerEvent } from './footprint.ts';
import type { ProfileStart } from './history.ts';
import type { Check, Target } from './report.ts';
import { median } from './stats.ts';

/** Targets at steady state, i.e. on profiles with history (issued for the whole system). */
export const CHANGELOG_AND_SNAPSHOT_BYTES_TARGET = 2 * 1_024;
export const CORES_PER_THOUSAND_TARGET = 0.6;

const START_LABELS: Record<ProfileStart, string> = {
  fresh: 'fresh profiles',
  history: 'profiles with history',
};

export function startLabel(start: ProfileStart): string {
  return START_LABELS[start];
}

/**
 * The bytes written per event (medians over the runs) as result lines. `postgres`: the
 * scenario runs the archiver, so the database's figures and the changelog + snapshot sum (the
 * steady-state target, checked on profiles with history) are true; without it they are left
 * out rather than shown as zero.
 */
export function bytesChecks(options: {
  scenario: string;
  start: ProfileStart;
  runs: readonly BytesPerEvent[];
  postgres: boolean;
  /** Appended to every label, e.g. "@ 1,000 events/s". */
  suffix?: string;
}): Check[] {
  const { scenario, start, runs } = options;
  const tail = `, ${startLabel(start)}${options.suffix ? ` ${options.suffix}` : ''}`;
  const line = (label: string, pick: (run: BytesPerEvent) => number, target?: Target): Check => ({
    scenario,
    label: `${label}${tail}`,
    unit: 'bytes',
    value: median(runs.map(pick)),
    target: target ?? { kind: 'info' },
  });
  const checks = [
    line('Kafka changelog bytes per event', (run) => run.kafkaChangelog),
    line('Redis input bytes per event (server-wide)', (run) => run.redis),
  ];
  if (options.postgres)
    checks.push(
      line('PostgreSQL snapshot rows bytes per event', (run) => run.postgresSnapshots),
      line('PostgreSQL rows bytes per event (all tables)', (run) => run.postgresTables),
      line('PostgreSQL WAL bytes per event (cluster-wide)', (run) => run.postgresWal),
      line(
        'changelog + snapshot bytes per event',
        (run) => run.kafkaChangelog + run.postgresSnapshots,
        start === 'history'
          ? { kind: 'below', value: CHANGELOG_AND_SNAPSHOT_BYTES_TARGET }
          : { kind: 'info' },
      ),
    );
  return checks;
}

/** PulseHub's cores per 1,000 events/s (median over the runs) as a result line. */
export function coresCheck(options: {
  scenario: string;
  start: ProfileStart;
  /** What was counted, e.g. "all six services" or "processor alone". */
  who: string;
  runs: readonly number[];
  /** Whether the system-wide target applies (every service ran, steady state). */
  targeted: boolean;
  suffix?: string;
}): Check {
  return {
    scenario: options.scenario,
    label: `cores per 1,000 events/s (${options.who}), ${startLabel(options.start)}${options.suffix ? ` ${options.suffix}` : ''}`,
    unit: 'cores',
    value: median(options.runs),
    target:
      options.targeted && options.start === 'history'
        ? { kind: 'below', value: CORES_PER_THOUSAND_TARGET }
        : { kind: 'info' },
  };
}

// The supervisor's restarts with real child processes (node + tsx, as `npm start` runs them).
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ServiceChild } from './child.ts';
import { repoRoot } from './infra-options.ts';
import type { RestartBackoffSettings } from './restart-backoff.ts';
import { superviseService, type SupervisedService } from './supervised-service.ts';

interface Spawned {
  child: ServiceChild;
  startedAt: number;
  exitedAt?: number;
}

const running: SupervisedService[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((service) => service.stop(5_000)));
});

function supervise(env: Record<string, string>, backoff: RestartBackoffSettings) {
  const lines: string[] = [];
  const spawned: Spawned[] = [];
  const service = superviseService({
    name: 'dying',
    entry: 'scripts/supervisor/fixtures/dying-service.ts',
    cwd: repoRoot,
    env: { ...process.env, ...env },
    prefix: 'dying | ',
    say: (line) => lines.push(line),
    backoff,
    onSpawn: (child) => {
      const entry: Spawned = { child, startedAt: Date.now() };
      spawned.push(entry);
      void child.exited.then(() => (entry.exitedAt = Date.now()));
    },
  });
  running.push(service);
  return { service, lines, spawned };
}

const processes = (spawned: Spawned[], count: number) =>
  vi.waitFor(() => expect(spawned.length).toBeGreaterThanOrEqual(count), {
    timeout: 30_000,
    interval: 20,
  });

/** Waits between a death and the next start. */
const gaps = (spawned: Spawned[]): number[] =>
  spawned.slice(1).map((next, index) => next.startedAt - (spawned[index]?.exitedAt ?? Infinity));

/** Longer than any restart delay the test configured: a restart would have happened by then. */
const pastEveryDelay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('supervised service', () => {
  it('restarts a service that keeps dying, doubling the wait up to the maximum', async () => {
    const backoff = { initialMs: 200, maxMs: 800, stableAfterMs: 60_000 };
    const { service, lines, spawned } = supervise(
      { DYING_SERVICE_LIFETIME_MS: '0', DYING_SERVICE_EXIT_CODE: '3' },
      backoff,
    );
    await processes(spawned, 5);

    const [first, second, third, fourth] = gaps(spawned);
    expect(first).toBeGreaterThanOrEqual(200);
    expect(second).toBeGreaterThanOrEqual(400);
    expect(third).toBeGreaterThanOrEqual(800);
    expect(fourth).toBeGreaterThanOrEqual(800);
    // Capped: the fourth wait is the maximum again, not 1.6 s (generous for a slow machine).
    expect(fourth).toBeLessThan(1_600);
    expect(service.restarts()).toBeGreaterThanOrEqual(4);
    expect(lines.slice(0, 4)).toEqual([
      expect.stringMatching(/^dying died \(exit code 3\) after [\d.]+ s; restart 1 in 0\.2 s$/),
      expect.stringMatching(/^dying restarting \(restart 1\)$/),
      expect.stringMatching(/^dying died \(exit code 3\) after [\d.]+ s; restart 2 in 0\.4 s$/),
      expect.stringMatching(/^dying restarting \(restart 2\)$/),
    ]);
    expect(lines).toContainEqual(expect.stringMatching(/restart 4 in 0\.8 s$/));
  }, 60_000);

  it('resets the wait after the service stayed up for the stable period', async () => {
    const backoff = { initialMs: 200, maxMs: 5_000, stableAfterMs: 300 };
    const { lines, spawned } = supervise({ DYING_SERVICE_LIFETIME_MS: '500' }, backoff);
    await processes(spawned, 4);

    const deaths = lines.filter((line) => line.includes(' died '));
    expect(deaths.slice(0, 3)).toEqual([
      expect.stringMatching(/restart 1 in 0\.2 s$/),
      expect.stringMatching(/restart 2 in 0\.2 s$/),
      expect.stringMatching(/restart 3 in 0\.2 s$/),
    ]);
  }, 60_000);

  it('restarts a process killed by a signal and logs the signal', async () => {
    const backoff = { initialMs: 100, maxMs: 100, stableAfterMs: 60_000 };
    const { service, lines, spawned } = supervise({}, backoff);
    await processes(spawned, 1);
    spawned[0]?.child.signal('SIGKILL');
    await processes(spawned, 2);

    expect(lines[0]).toMatch(/^dying died \(signal SIGKILL\) after [\d.]+ s; restart 1 in 0\.1 s$/);
    await vi.waitFor(() => expect(service.isRunning()).toBe(true), { timeout: 10_000 });
    expect(service.restarts()).toBe(1);
  }, 60_000);

  it('stops the running process on stop() and never restarts it', async () => {
    const backoff = { initialMs: 100, maxMs: 100, stableAfterMs: 60_000 };
    const { service, lines, spawned } = supervise({}, backoff);
    await processes(spawned, 1);
    await vi.waitFor(() => expect(service.isRunning()).toBe(true), { timeout: 10_000 });

    await service.stop(5_000);
    // Gone once stop() resolved (by SIGTERM, however far its start had come).
    expect(spawned[0]?.child.isRunning()).toBe(false);
    await pastEveryDelay(1_000);
    expect(spawned).toHaveLength(1);
    expect(service.restarts()).toBe(0);
    expect(service.isRunning()).toBe(false);
    expect(lines).toEqual([]);
  }, 60_000);

  it('cancels a restart that was waiting for its backoff when stopped', async () => {
    const backoff = { initialMs: 1_000, maxMs: 1_000, stableAfterMs: 60_000 };
    const { service, lines, spawned } = supervise({ DYING_SERVICE_LIFETIME_MS: '0' }, backoff);
    await vi.waitFor(() => expect(lines).toHaveLength(1), { timeout: 30_000, interval: 10 });

    await service.stop(5_000);
    await pastEveryDelay(2_000);
    expect(spawned).toHaveLength(1);
    expect(lines).toEqual([expect.stringMatching(/restart 1 in 1\.0 s$/)]);
  }, 60_000);
});

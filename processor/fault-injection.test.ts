import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { KILL_BEFORE_CHANGELOG_ENV, KILL_BEFORE_CHANGELOG_LINE } from './fault-injection.ts';

/** Runs the hook in a process of its own: rounds with these applied counts, then "survived". */
function runRounds(env: string | undefined, applied: number[]) {
  const script = `
    const { afterRedisWrite } = await import(${JSON.stringify(new URL('./fault-injection.ts', import.meta.url).href)});
    for (const n of ${JSON.stringify(applied)}) { afterRedisWrite(n); process.stdout.write('round\\n'); }
    process.stdout.write('survived\\n');`;
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    {
      env: { [KILL_BEFORE_CHANGELOG_ENV]: env ?? '' },
      encoding: 'utf8',
    },
  );
  return {
    signal: result.signal,
    rounds: result.stdout.split('round').length - 1,
    stdout: result.stdout,
    stderr: result.stderr,
  };
}

describe('fault injection between the Redis write and the changelog send', () => {
  it('SIGKILLs the process in the n-th round that applied events, not counting empty rounds', () => {
    const run = runRounds('2', [5, 0, 3, 4]);
    expect(run.signal).toBe('SIGKILL');
    expect(run.rounds).toBe(2); // rounds 1 (applied) and 2 (empty) completed; killed in the third
    expect(run.stderr).toContain(KILL_BEFORE_CHANGELOG_LINE);
  });

  it('does nothing unless enabled', () => {
    for (const env of [undefined, '0', 'x', '1.5']) {
      const run = runRounds(env, [1, 1, 1]);
      expect(run.signal, `with ${env}`).toBeNull();
      expect(run.stdout).toContain('survived');
    }
  });
});

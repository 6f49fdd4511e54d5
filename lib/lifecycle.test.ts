// Faults a service cannot recover from end its process with exit code 1 and a log line (real
// processes: what is tested is that they exit).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';

const FIXTURE = new URL('./fixtures/faulty-service.ts', import.meta.url).pathname;

/**
 * Runs the fixture with `fault` until it exits (killed after 30 s); `onOutput` may act on
 * what it printed so far (send it a signal).
 */
async function run(
  fault: string,
  onOutput?: (output: string, child: ReturnType<typeof spawn>) => void,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, fault], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    onOutput?.(output, child);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  // 'close', not 'exit': only then has everything the child printed been read.
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  return { code, output };
}

describe('service lifecycle', () => {
  it('exits 1 when the start does not finish within its deadline', async () => {
    const { code, output } = await run('start-hangs');
    expect(code).toBe(1);
    expect(output).toContain('start did not finish in time; exiting for a restart');
  }, 40_000);

  it('exits 1 when a failed start is followed by a stop that hangs', async () => {
    const { code, output } = await run('start-fails-stop-hangs');
    expect(code).toBe(1);
    expect(output).toContain('start failed');
    expect(output).toContain('stop did not finish in time; exiting');
  }, 40_000);

  it('exits 1 with a log line on an error nobody handles', async () => {
    const { code, output } = await run('rejection-after-start');
    expect(code).toBe(1);
    expect(output).toContain('"msg":"running"');
    expect(output).toContain('unhandled promise rejection; exiting for a restart');
    expect(output).toContain('nobody handles this');
  }, 40_000);

  it('keeps a healthy service running and stops it cleanly on SIGTERM', async () => {
    // The control: without a fault the process neither exits by itself nor with code 1.
    let signalled = false;
    const { code, output } = await run('none', (soFar, child) => {
      if (signalled || !soFar.includes('"msg":"running"')) return;
      signalled = true;
      // Past the start deadline (300 ms) and running: now ask it to stop.
      setTimeout(() => child.kill('SIGTERM'), 600);
    });
    expect(code).toBe(0);
    expect(output).toContain('"msg":"stopped"');
    expect(output).not.toContain('did not finish in time');
  }, 40_000);
});

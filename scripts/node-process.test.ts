import { describe, expect, it } from 'vitest';
import { runNodeUntilExit, spawnNode } from './node-process.ts';

const entry = 'scripts/fixtures/node-process-child.ts';

describe('spawnNode', () => {
  it('kills a process that ignores SIGTERM once the stop timeout passed', async () => {
    const child = await spawnNode({ name: 'stubborn', entry, args: ['ignore-sigterm'] });
    // Its SIGTERM handler is in place once it says so.
    await expect.poll(() => child.output(), { timeout: 30_000 }).toContain('running');
    await child.stop(200);
    expect(child.child.signalCode).toBe('SIGKILL');
    expect(child.output()).toContain('SIGTERM ignored');
  });

  it('fails the spawn with the output of a process that exits before it is ready', async () => {
    await expect(
      spawnNode({ name: 'failing', entry, args: ['fail'], ready: () => Promise.resolve(false) }),
    ).rejects.toThrow(/failing exited with 3:[\s\S]*refused: bad settings/);
  });

  it('keeps only the last outputLimit characters when asked to', async () => {
    const child = await spawnNode({ name: 'chatty', entry, args: ['chatty'], outputLimit: 20 });
    await expect.poll(() => child.output(), { timeout: 30_000 }).toMatch(/line 100\n$/);
    expect(child.output().length).toBeLessThanOrEqual(20);
    await child.kill();
  });
});

describe('runNodeUntilExit', () => {
  it('resolves the exit code, all output, and stderr on its own', async () => {
    const { code, output, stderr } = await runNodeUntilExit({ entry, args: ['fail'] });
    expect(code).toBe(3);
    expect(output).toContain('out line');
    expect(output).toContain('refused: bad settings');
    expect(stderr).toBe('refused: bad settings\n');
  });
});

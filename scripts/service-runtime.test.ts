import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../schema/repo-root.ts';
import { BUILD_DIR, builtFile, nodeArgsFor, runtimeFromEnv } from './service-runtime.ts';

describe('service runtime', () => {
  it('runs the build as plain node on the compiled files, preloads included', () => {
    expect(builtFile('processor/main.ts')).toBe(path.join(BUILD_DIR, 'processor', 'main.js'));
    expect(
      nodeArgsFor('built', 'processor/main.ts', {
        preloads: ['scripts/supervisor/orphan-guard.ts'],
        flags: ['--cpu-prof'],
      }),
    ).toEqual([
      '--import',
      `file://${path.join(BUILD_DIR, 'scripts', 'supervisor', 'orphan-guard.js')}`,
      '--cpu-prof',
      path.join(BUILD_DIR, 'processor', 'main.js'),
    ]);
  });

  it('runs the sources through the tsx loader', () => {
    const args = nodeArgsFor('tsx', 'processor/main.ts');
    expect(args[0]).toBe('--import');
    expect(args[1]).toMatch(/\/node_modules\/tsx\//);
    expect(args.at(-1)).toBe(path.join(REPO_ROOT, 'processor', 'main.ts'));
  });

  it('takes PULSEHUB_RUNTIME, the sources when unset, and refuses anything else', () => {
    expect(runtimeFromEnv({})).toBe('tsx');
    expect(runtimeFromEnv({ PULSEHUB_RUNTIME: 'built' })).toBe('built');
    expect(() => runtimeFromEnv({ PULSEHUB_RUNTIME: 'deno' })).toThrow(/tsx or built/);
  });

  it('finds the repository root, the folder of package.json', () => {
    expect(path.join(REPO_ROOT, 'package.json')).toBe(path.resolve('package.json'));
  });
});

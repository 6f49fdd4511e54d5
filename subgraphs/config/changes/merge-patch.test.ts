import { describe, expect, it } from 'vitest';
import { applyMergePatch, patchedSettings } from './merge-patch.ts';

const file = [
  '# The gateway.',
  'http:',
  '  host: 0.0.0.0 # interface (restart required)',
  '  port: 4000 # port (restart required)',
  'ingest:',
  '  writeKeys: # accepted write keys',
  '    - dev-write-key',
  '',
].join('\n');

describe('applyMergePatch', () => {
  it('merges mappings, replaces lists and keeps every comment', () => {
    const next = applyMergePatch(file, { ingest: { writeKeys: ['a', 'b'] }, http: { port: 4100 } });
    expect(next).toContain('# The gateway.');
    expect(next).toContain('host: 0.0.0.0 # interface (restart required)');
    expect(next).toContain('port: 4100 # port (restart required)');
    expect(next).toMatch(/writeKeys:\s+# accepted write keys\n\s+- a\n\s+- b\n/);
    expect(next).not.toContain('dev-write-key');
  });

  it('removes settings given as null and adds new ones', () => {
    const next = applyMergePatch(file, { http: { host: null }, log: { level: 'debug' } });
    expect(next).not.toContain('host');
    expect(next).toContain('log:\n  level: debug');
  });

  it('creates a file that does not exist yet', () => {
    expect(applyMergePatch(undefined, { http: { port: 80 } })).toBe('http:\n  port: 80\n');
  });

  it('refuses a file that is not YAML', () => {
    expect(() => applyMergePatch('a: [1,\n', { a: 1 })).toThrow();
  });
});

describe('patchedSettings', () => {
  it('names the settings set and removed', () => {
    expect(patchedSettings({ a: { b: 1, c: null }, d: [1], e: {} })).toEqual({
      set: ['a.b', 'd', 'e'],
      removed: ['a.c'],
    });
  });
});

import { describe, expect, it } from 'vitest';
import { changedSettings, createLiveConfig, type ConfigLogger } from './live.ts';

interface Settings {
  log: { level: string };
  ingest: { writeKeys: string[] };
  http: { port: number };
}

const initial: Settings = {
  log: { level: 'info' },
  ingest: { writeKeys: ['a'] },
  http: { port: 1 },
};

function recordingLogger(): ConfigLogger & {
  lines: Array<{ level: string; object: object; message: string }>;
} {
  const lines: Array<{ level: string; object: object; message: string }> = [];
  const at = (level: string) => (object: object, message: string) =>
    void lines.push({ level, object, message });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('changedSettings', () => {
  it('lists changed, added and removed leaves by dotted path, lists compared whole', () => {
    expect(
      changedSettings(
        { a: { b: 1, c: [1, 2] }, gone: true },
        { a: { b: 1, c: [1, 3] }, added: { x: 'y' } },
      ),
    ).toEqual(['a.c', 'added.x', 'gone']);
  });
});

describe('createLiveConfig', () => {
  it('swaps the configuration and tells the listeners of the settings that changed', () => {
    const live = createLiveConfig(initial, 'v1', recordingLogger());
    const heard: string[][] = [];
    live.onChange((next) => heard.push(next.ingest.writeKeys), ['ingest.writeKeys']);
    const levels: string[] = [];
    live.onChange((next) => levels.push(next.log.level), ['log.level']);

    const outcome = live.apply({ ...initial, ingest: { writeKeys: ['a', 'b'] } }, 'v2');
    expect(outcome).toEqual({
      status: 'applied',
      changed: ['ingest.writeKeys'],
      live: ['ingest.writeKeys'],
      restartRequired: [],
    });
    expect(live.current().ingest.writeKeys).toEqual(['a', 'b']);
    expect(live.version()).toBe('v2');
    expect(heard).toEqual([['a', 'b']]);
    expect(levels).toEqual([]);
  });

  it('logs settings no listener applies as needing a restart, by name only', () => {
    const logger = recordingLogger();
    const live = createLiveConfig(initial, 'v1', logger);
    live.onChange(() => undefined, ['log']);
    const outcome = live.apply({ ...initial, log: { level: 'debug' }, http: { port: 2 } }, 'v2');
    expect(outcome).toMatchObject({ live: ['log.level'], restartRequired: ['http.port'] });
    const warning = logger.lines.find((line) => line.level === 'warn');
    expect(warning?.message).toMatch(/only after a restart/);
    expect(warning?.object).toEqual({ version: 'v2', settings: ['http.port'] });
    expect(JSON.stringify(logger.lines)).not.toContain('debug');
  });

  it('counts settings read through current() as live once declared', () => {
    const live = createLiveConfig(initial, 'v1', recordingLogger());
    const port = () => live.current().http.port;
    live.readsLive('http.port');
    expect(live.apply({ ...initial, http: { port: 9 } }, 'v2')).toMatchObject({
      live: ['http.port'],
      restartRequired: [],
    });
    expect(port()).toBe(9);
  });

  it('reports an identical configuration as unchanged and calls nobody', () => {
    const live = createLiveConfig(initial, 'v1', recordingLogger());
    let calls = 0;
    live.onChange(() => calls++);
    expect(live.apply(structuredClone(initial), 'v2')).toEqual({ status: 'unchanged' });
    expect(calls).toBe(0);
    expect(live.version()).toBe('v2');
  });

  it('keeps the new configuration when a listener throws, and removes listeners on request', () => {
    const logger = recordingLogger();
    const live = createLiveConfig(initial, undefined, logger);
    live.onChange(() => {
      throw new Error('boom');
    });
    let calls = 0;
    const remove = live.onChange(() => calls++);
    live.apply({ ...initial, http: { port: 5 } }, 'v2');
    remove();
    live.apply({ ...initial, http: { port: 6 } }, 'v3');
    expect(live.current().http.port).toBe(6);
    expect(calls).toBe(1);
    expect(logger.lines.some((l) => l.level === 'error' && l.message.includes('listener'))).toBe(
      true,
    );
  });
});

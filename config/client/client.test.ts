import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadLiveConfig } from './client.ts';
import type { ConfigLogger } from './live.ts';
import { configServerSettings } from './shared-schema.ts';

const schema = z.object({
  configServer: configServerSettings,
  redis: z.object({ url: z.string(), keyPrefix: z.string() }),
  http: z.object({ port: z.number() }),
});

const files = {
  'application.yml': [
    'configServer:',
    '  enabled: true',
    '  url: http://127.0.0.1:1', // nothing listens on port 1
    '  label: main',
    "  token: ''",
    '  failFast: false',
    '  timeoutMs: 500',
    '  retry: { attempts: 2, initialDelayMs: 1, maxDelayMs: 1, multiplier: 1 }',
    'redis:',
    '  url: redis://127.0.0.1:6379',
    "  keyPrefix: ''",
    'http:',
    '  port: 7',
  ].join('\n'),
};

async function configDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pulsehub-client-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

function logger(): ConfigLogger & { messages: string[] } {
  const messages: string[] = [];
  const log = (_: object, message: string) => void messages.push(message);
  return { messages, debug: log, info: log, warn: log, error: log };
}

describe('loadLiveConfig at start', () => {
  it('falls back to the local files when the config service stays unreachable', async () => {
    const log = logger();
    const loaded = await loadLiveConfig('svc', schema, {
      dir: await configDir(),
      env: {},
      profiles: [],
      logger: log,
    });
    expect(loaded.origin).toBe('local-files');
    expect(loaded.config.http.port).toBe(7);
    expect(loaded.live.version()).toBeUndefined();
    expect(log.messages.filter((m) => m === 'config service request failed')).toHaveLength(2);
    expect(log.messages).toContain(
      'config service unreachable; starting from the local configuration files',
    );
  });

  it('refuses to start with failFast when the config service stays unreachable', async () => {
    await expect(
      loadLiveConfig('svc', schema, {
        dir: await configDir(),
        env: { CONFIG_SERVER_FAIL_FAST: 'true' },
        profiles: [],
        logger: logger(),
      }),
    ).rejects.toThrow(
      /cannot load the configuration of svc from the config service \(configServer\.failFast\)/,
    );
  });

  it('reads only the local files when the config service is disabled', async () => {
    const log = logger();
    const loaded = await loadLiveConfig('svc', schema, {
      dir: await configDir(),
      env: { CONFIG_SERVER_ENABLED: 'false', HTTP_PORT: '9' },
      profiles: [],
      logger: log,
    });
    expect(loaded).toMatchObject({ origin: 'local-files', config: { http: { port: 9 } } });
    expect(log.messages).toEqual([]);
  });
});

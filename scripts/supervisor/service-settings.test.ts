import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { archiverConfigSchema } from '../../archiver/config.ts';
import { loadServiceConfig } from '../../config/client/load.ts';
import { gatewayConfigSchema } from '../../gateway/config.ts';
import { processorConfigSchema } from '../../processor/config.ts';
import { activityConfigSchema } from '../../subgraphs/activity/config.ts';
import { configServiceConfigSchema } from '../../subgraphs/config/config.ts';
import { profileConfigSchema } from '../../subgraphs/profile/config.ts';
import { loadListenSettings, loadShownWriteKey } from './service-settings.ts';

const SCHEMAS = {
  gateway: gatewayConfigSchema,
  profile: profileConfigSchema,
  activity: activityConfigSchema,
  config: configServiceConfigSchema,
  processor: processorConfigSchema,
  archiver: archiverConfigSchema,
};

async function configDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pulsehub-start-settings-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

describe('settings of the services npm start runs', () => {
  it.each(Object.entries(SCHEMAS))(
    '%s listens where its own configuration says',
    async (name, schema) => {
      const env = {};
      const own = await loadServiceConfig(name, schema, { env, profiles: [] });
      expect(await loadListenSettings(name, { env })).toEqual(own.http);
    },
  );

  it('follows profiles and environment overrides as the services do', async () => {
    const dir = await configDir({
      'application.yml': 'http:\n  host: 127.0.0.1\n  port: 1\n',
      'svc.yml': 'http:\n  port: 2\n',
      'svc-eu.yml': 'http:\n  port: 3\n',
    });
    expect(await loadListenSettings('svc', { dir, env: {} })).toEqual({
      host: '127.0.0.1',
      port: 2,
    });
    expect(await loadListenSettings('svc', { dir, env: { PULSEHUB_PROFILES: 'eu' } })).toEqual({
      host: '127.0.0.1',
      port: 3,
    });
    expect(await loadListenSettings('svc', { dir, env: { HTTP_PORT: '4' } })).toMatchObject({
      port: 4,
    });
    await expect(loadListenSettings('svc', { dir, env: { HTTP_PORT: 'x' } })).rejects.toThrow(
      /HTTP_PORT/,
    );
  });

  it('shows a plain write key, never an encrypted one', async () => {
    expect(await loadShownWriteKey({ env: {} })).toBe('dev-write-key');
    const dir = await configDir({
      'gateway.yml': "ingest:\n  writeKeys: ['{cipher}AbCd', plain-key]\n",
    });
    expect(await loadShownWriteKey({ dir, env: {} })).toBe('plain-key');
    const encryptedOnly = await configDir({
      'gateway.yml': "ingest:\n  writeKeys: ['{cipher}AbCd']\n",
    });
    expect(await loadShownWriteKey({ dir: encryptedOnly, env: {} })).toBeUndefined();
  });
});

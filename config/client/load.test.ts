import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { envName } from './env-overrides.ts';
import { ConfigError, loadServiceConfig, resolveConfig } from './load.ts';
import { parseProfiles, sourceFileNames } from './sources.ts';

const schema = z.object({
  kafka: z.object({ brokers: z.string() }),
  http: z.object({ port: z.number() }),
  topics: z.object({ deadLetter: z.string() }),
  ingest: z.object({ writeKeys: z.array(z.string()), enabled: z.boolean() }),
});

async function configDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pulsehub-config-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

const files = {
  'application.yml':
    'kafka:\n  brokers: a:9092\nhttp:\n  port: 1\ntopics:\n  deadLetter: dlq\ningest:\n  writeKeys: [k1]\n  enabled: true\n',
  'svc.yml': 'http:\n  port: 2\n',
  'svc-prod.yml': 'http:\n  port: 3\n',
  'svc-eu.yml': 'kafka:\n  brokers: eu:9092\n',
};

describe('loadServiceConfig', () => {
  it('layers application.yml < {app}.yml < {app}-{profile}.yml, later profiles winning', async () => {
    const dir = await configDir(files);
    expect(await loadServiceConfig('svc', schema, { dir, env: {}, profiles: [] })).toMatchObject({
      http: { port: 2 },
      kafka: { brokers: 'a:9092' },
    });
    expect(
      await loadServiceConfig('svc', schema, { dir, env: {}, profiles: ['prod', 'eu'] }),
    ).toMatchObject({ http: { port: 3 }, kafka: { brokers: 'eu:9092' } });
  });

  it('lets environment variables override settings, coerced to the default type', async () => {
    const dir = await configDir(files);
    const env = {
      KAFKA_BROKERS: 'env:9092',
      HTTP_PORT: '4242',
      TOPICS_DEAD_LETTER: 'other',
      INGEST_WRITE_KEYS: 'x, y',
      INGEST_ENABLED: 'false',
    };
    expect(await loadServiceConfig('svc', schema, { dir, env, profiles: [] })).toEqual({
      kafka: { brokers: 'env:9092' },
      http: { port: 4242 },
      topics: { deadLetter: 'other' },
      ingest: { writeKeys: ['x', 'y'], enabled: false },
    });
  });

  it('rejects a malformed environment value with the variable name', async () => {
    const dir = await configDir(files);
    await expect(
      loadServiceConfig('svc', schema, { dir, env: { HTTP_PORT: 'eighty' }, profiles: [] }),
    ).rejects.toThrow('HTTP_PORT: expected a number, got "eighty"');
  });

  it('reports every invalid setting at once', async () => {
    const dir = await configDir({
      'application.yml': 'kafka:\n  brokers: 7\nhttp:\n  port: nope\n',
    });
    const failure = loadServiceConfig('svc', schema, { dir, env: {}, profiles: [] });
    await expect(failure).rejects.toBeInstanceOf(ConfigError);
    await expect(failure).rejects.toThrow(
      /kafka\.brokers[\s\S]*http\.port[\s\S]*topics[\s\S]*ingest/,
    );
  });

  it('names environment variables after the setting path', () => {
    expect(envName(['kafka', 'brokers'])).toBe('KAFKA_BROKERS');
    expect(envName(['topics', 'deadLetter'])).toBe('TOPICS_DEAD_LETTER');
  });
});

describe('resolveConfig', () => {
  it('refuses encrypted values (only the config service can decrypt), naming the settings', () => {
    const sources = [
      {
        name: 'application.yml',
        source: {
          kafka: { brokers: '{cipher}AAAA' },
          http: { port: 1 },
          topics: { deadLetter: 'd' },
          ingest: { writeKeys: ['k', '{cipher}BBBB'], enabled: true },
        },
      },
    ];
    expect(() => resolveConfig('svc', schema, sources, {})).toThrow(
      /encrypted values[\s\S]*kafka\.brokers[\s\S]*ingest\.writeKeys\[1\]/,
    );
    // An environment override replaces the encrypted value, so the service can start.
    expect(
      resolveConfig('svc', schema, sources, { KAFKA_BROKERS: 'b:9092', INGEST_WRITE_KEYS: 'k' }),
    ).toMatchObject({ kafka: { brokers: 'b:9092' } });
  });
});

describe('profiles and file names', () => {
  it('reads a Spring profile argument, ignoring default', () => {
    expect(parseProfiles('default')).toEqual([]);
    expect(parseProfiles(' prod , eu ')).toEqual(['prod', 'eu']);
    expect(parseProfiles(undefined)).toEqual([]);
  });

  it('names the shared file once for the application itself', () => {
    expect(sourceFileNames('application', [])).toEqual(['application.yml']);
    expect(sourceFileNames('gateway', ['prod'])).toEqual([
      'application.yml',
      'gateway.yml',
      'gateway-prod.yml',
    ]);
  });
});

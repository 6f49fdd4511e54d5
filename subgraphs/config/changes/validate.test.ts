import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_DIR } from '../../../config/client/sources.ts';
import { createCipher } from '../secrets/cipher.ts';
import { applyMergePatch } from './merge-patch.ts';
import { profilesWithFiles, validateCandidate } from './validate.ts';

const cipher = createCipher('test key');

/** The checked-in configuration with some files replaced. */
async function candidate(replaced: Record<string, string>) {
  const names = [
    'application.yml',
    'gateway.yml',
    'processor.yml',
    'archiver.yml',
    'profile.yml',
    'activity.yml',
    'config.yml',
  ];
  const files = [...new Set([...names, ...Object.keys(replaced)])];
  return {
    files,
    read: async (name: string) =>
      name in replaced
        ? replaced[name]
        : names.includes(name)
          ? await readFile(path.join(DEFAULT_CONFIG_DIR, name), 'utf8')
          : undefined,
  };
}

describe('validateCandidate', () => {
  it('accepts the checked-in configuration of every service', async () => {
    expect(
      await validateCandidate({ application: 'application', cipher, ...(await candidate({})) }),
    ).toEqual([]);
  });

  it('names the setting and the reason of an invalid value', async () => {
    const problems = await validateCandidate({
      application: 'gateway',
      cipher,
      ...(await candidate({ 'gateway-prod.yml': 'http:\n  port: nope\n' })),
    });
    expect(problems).toEqual([
      {
        application: 'gateway',
        path: 'http.port',
        message: 'Invalid input: expected number, received string (profile prod)',
      },
    ]);
  });

  it('checks a shared change against every service', async () => {
    const problems = await validateCandidate({
      application: 'application',
      cipher,
      ...(await candidate({
        'application.yml': applyMergePatch(
          await readFile(path.join(DEFAULT_CONFIG_DIR, 'application.yml'), 'utf8'),
          { log: { level: 'loud' } },
        ),
      })),
    });
    expect(new Set(problems.map((p) => p.application))).toEqual(
      new Set(['gateway', 'profile', 'activity', 'config', 'processor', 'archiver']),
    );
    expect(problems.every((p) => p.path === 'log.level')).toBe(true);
  });

  it('refuses settings no service reads, and undecryptable secrets', async () => {
    const { files, read } = await candidate({
      'gateway.yml': `${await readFile(path.join(DEFAULT_CONFIG_DIR, 'gateway.yml'), 'utf8')}\nextra:\n  flag: true\n`,
    });
    expect(
      await validateCandidate({
        application: 'gateway',
        cipher,
        files,
        read,
        setSettings: ['extra.flag', 'http.port'],
      }),
    ).toEqual([
      {
        application: 'gateway',
        path: 'extra.flag',
        message: 'unknown setting: gateway reads extra.flag',
      },
    ]);

    const foreign = createCipher('another key').encrypt('k');
    const secret = await candidate({
      'gateway.yml': `ingest:\n  writeKeys: ['${foreign}']\nhttp:\n  host: h\n  port: 1\nsubgraphs:\n  profile: http://a\n  activity: http://a\n  config: http://a\n`,
    });
    expect(await validateCandidate({ application: 'gateway', cipher, ...secret })).toContainEqual({
      application: 'gateway',
      path: 'ingest.writeKeys[0]',
      message: 'cannot decrypt this {cipher} value',
    });
  });

  it('refuses an application it has no schema for', async () => {
    const problems = await validateCandidate({
      application: 'billing',
      cipher,
      ...(await candidate({})),
    });
    expect(problems[0]?.message).toMatch(/^unknown application "billing"; known: gateway, /);
  });

  it('finds the profiles that have files', () => {
    expect(
      profilesWithFiles('gateway', [
        'gateway.yml',
        'gateway-prod.yml',
        'gateway-eu.yml',
        'processor-prod.yml',
      ]),
    ).toEqual(['prod', 'eu']);
  });
});

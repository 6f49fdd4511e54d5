import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { ConfigNotice } from '../../config/client/bus.ts';
import { DEFAULT_CONFIG_DIR } from '../../config/client/sources.ts';
import { createLogger } from '../../lib/logger.ts';
import { applicationsOf, createConfigStore } from './config-store.ts';
import { createGitRepository } from './git/repository.ts';

const alice = { name: 'alice', email: 'alice@example.com' };

async function newStore(pollIntervalMs = 0) {
  const dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'pulsehub-store-')), 'repo');
  const notices: ConfigNotice[] = [];
  const metrics = new Registry();
  const store = createConfigStore({
    defaultsDir: DEFAULT_CONFIG_DIR,
    repo: createGitRepository({
      dir,
      seedFrom: DEFAULT_CONFIG_DIR,
      branch: 'main',
      committer: { name: 'pulsehub-config', email: 'config@pulsehub.local' },
      logger: createLogger('test', 'silent'),
    }),
    keyMaterial: () => Promise.resolve('test key'),
    publish: (notice) => {
      notices.push(notice);
      return Promise.resolve();
    },
    logger: createLogger('test', 'silent'),
    pollIntervalMs,
    metrics,
  });
  await store.start();
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).trim();
  /** What an operator does: edit a file in the checkout and commit it with git. */
  const commitDirectly = async (file: string, text: string, message: string) => {
    await writeFile(path.join(dir, file), text);
    git('-c', 'user.name=operator', '-c', 'user.email=op@example.com', 'commit', '-qam', message);
  };
  return { store, notices, git, metrics, commitDirectly };
}

describe('the config store', () => {
  it('commits a valid change as the caller and announces it to the application', async () => {
    const { store, notices, git } = await newStore();
    const before = git('rev-parse', 'main');
    const result = await store.setConfig({
      application: 'gateway',
      profile: 'default',
      values: { ingest: { writeKeys: ['dev-write-key', 'k2'] } },
      message: 'Add k2',
      author: alice,
    });
    expect(result).toEqual({
      ok: true,
      version: git('rev-parse', 'main'),
      file: 'gateway.yml',
      changed: ['ingest.writeKeys'],
      errors: [],
    });
    expect(result.version).not.toBe(before);
    expect(git('log', '-1', '--format=%an|%s')).toBe('alice|Add k2');
    expect(notices).toEqual([
      expect.objectContaining({
        applications: ['gateway'],
        version: result.version,
        origin: 'setConfig',
        author: 'alice',
      }),
    ]);
    const environment = await store.environment('gateway', [], undefined);
    expect(environment.sources.at(-1)?.source).toMatchObject({
      ingest: { writeKeys: ['dev-write-key', 'k2'] },
    });
  });

  it('refuses an invalid change with the reason and commits nothing', async () => {
    const { store, notices, git, metrics } = await newStore();
    const before = git('rev-parse', 'main');
    const result = await store.setConfig({
      application: 'processor',
      profile: 'production',
      values: { http: { port: 'eighty' } },
      author: alice,
    });
    expect(result).toEqual({
      ok: false,
      file: 'processor-production.yml',
      changed: [],
      errors: [
        {
          application: 'processor',
          path: 'http.port',
          message: 'Invalid input: expected number, received string (profile production)',
        },
      ],
    });
    expect(git('rev-parse', 'main')).toBe(before);
    expect(notices).toEqual([]);
    expect(await metrics.getSingleMetricAsString('pulsehub_config_changes_total')).toContain(
      'result="refused"} 1',
    );
  });

  it('refuses malformed requests without touching the repository', async () => {
    const { store } = await newStore();
    const attempt = (application: string, profile: string, values: unknown) =>
      store.setConfig({ application, profile, values, author: alice });
    expect((await attempt('../etc', 'default', { a: 1 })).errors[0]?.message).toMatch(
      /invalid application name/,
    );
    expect((await attempt('gateway', 'a,b', { a: 1 })).errors[0]?.message).toMatch(
      /one profile at a time/,
    );
    expect((await attempt('gateway', 'default', [])).errors[0]?.message).toMatch(
      /non-empty JSON object/,
    );
    expect((await attempt('application', 'prod', { a: 1 })).errors[0]?.message).toMatch(/not read/);
  });

  it('reports a change that sets nothing new as ok without a commit', async () => {
    const { store, notices, git } = await newStore();
    const result = await store.setConfig({
      application: 'gateway',
      profile: 'default',
      values: { http: { port: 4000 } },
      author: alice,
    });
    expect(result).toMatchObject({ ok: true, version: git('rev-parse', 'main'), changed: [] });
    expect(notices).toEqual([]);
  });

  it('picks up a direct commit on refresh, validates it and announces it once', async () => {
    const { store, notices, git, commitDirectly } = await newStore();
    await commitDirectly(
      'archiver.yml',
      'http:\n  host: 127.0.0.1\n  port: 4999\nconsumer:\n  groupId: archiver\n',
      'Move the archiver',
    );
    const result = await store.refresh('refreshConfig');
    expect(result).toEqual({
      version: git('rev-parse', 'main'),
      changed: true,
      applications: ['archiver'],
      errors: [],
    });
    expect(notices.map((n) => [n.applications, n.origin])).toEqual([
      [['archiver'], 'refreshConfig'],
    ]);
    expect(await store.refresh('refreshConfig')).toMatchObject({
      changed: false,
      applications: [],
    });

    // Settings missing from the repository fall back to the checked-in defaults.
    await commitDirectly('archiver.yml', '# emptied by an operator\n', 'Empty it');
    expect(await store.refresh('refreshConfig')).toMatchObject({ changed: true, errors: [] });
    await commitDirectly('archiver.yml', 'http:\n  port: -1\n', 'Break it');
    const broken = await store.refresh('refreshConfig');
    expect(broken.errors).toEqual([
      {
        application: 'archiver',
        path: 'http.port',
        message: 'Too small: expected number to be >=0',
      },
    ]);
  });

  it('polls for direct commits', async () => {
    const { store, notices, git, commitDirectly } = await newStore(50);
    await commitDirectly(
      'application.yml',
      `${git('show', 'main:application.yml')}\n# touched\n`,
      'Touch',
    );
    await expect.poll(() => notices.length, { timeout: 5_000 }).toBe(1);
    expect(notices[0]).toMatchObject({ applications: ['application'], origin: 'poll' });
    await store.stop();
  });

  it('serializes concurrent changes into one commit each', async () => {
    const { store, git } = await newStore();
    const results = await Promise.all(
      ['a', 'b', 'c'].map((key) =>
        store.setConfig({
          application: 'gateway',
          profile: 'default',
          values: { ingest: { writeKeys: [key] } },
          author: alice,
        }),
      ),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(git('rev-list', '--count', 'main')).toBe('4');
    expect(new Set(results.map((r) => r.version)).size).toBe(3);
  });
});

describe('applicationsOf', () => {
  it('maps changed files to the applications they configure', () => {
    expect(applicationsOf(['gateway.yml', 'processor-production.yml', 'README.md'])).toEqual([
      'gateway',
      'processor',
      'processor-production',
    ]);
    expect(applicationsOf(['application.yml'])).toEqual(['application']);
  });
});

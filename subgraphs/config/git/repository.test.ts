import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../lib/logger.ts';
import { ConcurrentUpdateError, createGitRepository, isValidLabel } from './repository.ts';

const committer = { name: 'pulsehub-config', email: 'config@pulsehub.local' };
const author = { name: 'alice', email: 'alice@example.com' };

async function seedDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pulsehub-seed-'));
  await writeFile(path.join(dir, 'application.yml'), 'log:\n  level: info # level\n');
  await writeFile(path.join(dir, 'gateway.yml'), 'http:\n  port: 4000\n');
  await writeFile(path.join(dir, 'notes.txt'), 'not configuration');
  return dir;
}

async function newRepository(options: { bare?: boolean } = {}) {
  const root = await mkdtemp(path.join(os.tmpdir(), 'pulsehub-repo-'));
  const dir = path.join(root, 'repo');
  if (options.bare) execFileSync('git', ['init', '-q', '--bare', dir]);
  const repo = createGitRepository({
    dir,
    seedFrom: await seedDir(),
    branch: 'main',
    committer,
    logger: createLogger('test', 'silent'),
  });
  await repo.start();
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).trim();
  return { dir, repo, git };
}

async function head(repo: { resolve(label: string): Promise<string | undefined> }) {
  const commit = await repo.resolve('main');
  if (commit === undefined) throw new Error('no main');
  return commit;
}

describe('the git configuration repository', () => {
  it('is created from the seed folder on first start: .yml files only, branch main, checked out', async () => {
    const { repo, git, dir } = await newRepository();
    const first = await head(repo);
    expect(await repo.listFiles(first)).toEqual(['application.yml', 'gateway.yml']);
    expect(git('log', '--format=%an <%ae>|%s')).toMatch(
      /^pulsehub-config <config@pulsehub\.local>\|Initial configuration from pulsehub-seed-\w+\/$/,
    );
    expect(await readFile(path.join(dir, 'gateway.yml'), 'utf8')).toBe('http:\n  port: 4000\n');
    expect(git('status', '--porcelain')).toBe('');
    expect(await repo.ready()).toBe(true);
  });

  it('reads files at branches, tags and commit ids; unknown labels resolve to nothing', async () => {
    const { repo, git } = await newRepository();
    const first = await head(repo);
    git('tag', 'v1');
    const second = await repo.commit({
      parent: first,
      files: { 'gateway.yml': 'http:\n  port: 4100\n', 'gateway-prod.yml': 'http:\n  port: 80\n' },
      message: 'Move the gateway',
      author,
    });
    expect(await repo.resolve('main')).toBe(second);
    expect(await repo.resolve('v1')).toBe(first);
    expect(await repo.resolve(first)).toBe(first);
    expect(await repo.resolve('nope')).toBeUndefined();
    expect(await repo.resolve('--output=/tmp/x')).toBeUndefined();
    const atTag = await repo.readFiles(first, ['gateway.yml', 'gateway-prod.yml']);
    expect([...atTag]).toEqual([['gateway.yml', 'http:\n  port: 4000\n']]);
    expect((await repo.readFiles(second, ['gateway.yml'])).get('gateway.yml')).toBe(
      'http:\n  port: 4100\n',
    );
  });

  it('commits with the caller as author, keeps the checkout in step, and refuses a moved branch', async () => {
    const { repo, git, dir } = await newRepository();
    const first = await head(repo);
    const second = await repo.commit({
      parent: first,
      files: { 'gateway.yml': 'http:\n  port: 1\n', 'application.yml': null },
      message: 'Change things',
      author,
    });
    expect(git('log', '-1', '--format=%an <%ae>|%cn|%s')).toBe(
      'alice <alice@example.com>|pulsehub-config|Change things',
    );
    expect(await repo.changedFiles(first, second)).toEqual(['application.yml', 'gateway.yml']);
    expect(await readFile(path.join(dir, 'gateway.yml'), 'utf8')).toBe('http:\n  port: 1\n');
    expect(git('status', '--porcelain')).toBe('');
    await expect(
      repo.commit({ parent: first, files: { 'gateway.yml': 'x: 1\n' }, message: 'late', author }),
    ).rejects.toBeInstanceOf(ConcurrentUpdateError);
    expect(await repo.resolve('main')).toBe(second);
  });

  it('lists the commits touching given files, newest first', async () => {
    const { repo } = await newRepository();
    const first = await head(repo);
    await repo.commit({
      parent: first,
      files: { 'other.yml': 'a: 1\n' },
      message: 'other',
      author,
    });
    const log = await repo.history('main', ['application.yml', 'gateway.yml', 'gateway-*.yml'], 10);
    expect(log.map((c) => c.message)).toEqual([
      `Initial configuration from ${log[0]?.message.split(' ').pop() ?? ''}`.trim(),
    ]);
    expect(log[0]?.files).toEqual(['application.yml', 'gateway.yml']);
  });

  it('works on a bare repository', async () => {
    const { repo } = await newRepository({ bare: true });
    const first = await head(repo);
    const second = await repo.commit({
      parent: first,
      files: { 'gateway.yml': 'a: 2\n' },
      message: 'm',
      author,
    });
    expect((await repo.readFiles(second, ['gateway.yml'])).get('gateway.yml')).toBe('a: 2\n');
  });

  it('never uses a repository found above its folder (the checkout it lives in)', async () => {
    const outer = await mkdtemp(path.join(os.tmpdir(), 'pulsehub-outer-'));
    execFileSync('git', ['init', '-q', '--initial-branch', 'main', outer]);
    execFileSync('git', [
      '-C',
      outer,
      '-c',
      'user.name=x',
      '-c',
      'user.email=x@x',
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      'outer',
    ]);
    const stray = path.join(outer, 'not-a-repo');
    await mkdir(stray);
    await writeFile(path.join(stray, 'gateway.yml'), 'a: 1\n');
    const options = {
      seedFrom: await seedDir(),
      branch: 'main',
      committer,
      logger: createLogger('test', 'silent'),
    };
    await expect(createGitRepository({ ...options, dir: stray }).start()).rejects.toThrow(
      /is not a git repository itself/,
    );

    // A repository inside the checkout whose .git goes missing stops answering.
    const inner = createGitRepository({ ...options, dir: path.join(outer, 'config-repo') });
    await inner.start();
    expect(await inner.ready()).toBe(true);
    await rename(path.join(outer, 'config-repo', '.git'), path.join(outer, 'moved.git'));
    expect(await inner.resolve('main')).toBeUndefined();
    expect(await inner.ready()).toBe(false);
  });

  it('accepts branch, tag and commit names as labels, never options or ranges', () => {
    for (const label of ['main', 'v1.2', 'release/2026-01', 'a3f9c1e'])
      expect(isValidLabel(label), label).toBe(true);
    for (const label of ['-n', '--output=x', 'main..v1', 'main@{1}', 'a b', ''])
      expect(isValidLabel(label), label).toBe(false);
  });
});

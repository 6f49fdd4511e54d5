import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../lib/logger.ts';
import { isFolderCommit, settingDifferences, syncFolder } from './folder-sync.ts';
import { createGitRepository } from './repository.ts';

const committer = { name: 'pulsehub-config', email: 'config@pulsehub.local' };

async function setup() {
  const folder = path.join(await mkdtemp(path.join(os.tmpdir(), 'pulsehub-folder-')), 'config');
  await mkdir(folder);
  await writeFile(path.join(folder, 'application.yml'), 'log:\n  level: info\n');
  await writeFile(path.join(folder, 'gateway.yml'), 'ingest:\n  writeKeys: [a]\n');
  const root = await mkdtemp(path.join(os.tmpdir(), 'pulsehub-repo-'));
  const repo = createGitRepository({
    dir: path.join(root, 'repo'),
    seedFrom: folder,
    branch: 'main',
    committer,
    logger: createLogger('test', 'silent'),
  });
  await repo.start();
  return { folder, repo, sync: { repo, folder, author: committer } };
}

describe('syncFolder', () => {
  it('does nothing when the repository was just seeded from the folder', async () => {
    const { sync } = await setup();
    expect(await syncFolder(sync, 'at npm start')).toEqual({ applied: [], replaced: [] });
  });

  it('commits the files that differ, naming them in the message', async () => {
    const { folder, repo, sync } = await setup();
    await writeFile(path.join(folder, 'gateway.yml'), 'ingest:\n  writeKeys: [a, b]\n');
    await writeFile(path.join(folder, 'processor.yml'), 'consumer:\n  groupId: p\n');
    const result = await syncFolder(sync, 'at npm start');
    expect(result).toEqual({ applied: ['gateway.yml', 'processor.yml'], replaced: [] });
    const [last] = await repo.history('main', [], 1);
    expect(last?.message.trim()).toBe('config/ at npm start: gateway.yml, processor.yml');
    const files = await repo.readFiles('main', ['gateway.yml', 'processor.yml']);
    expect(files.get('gateway.yml')).toBe('ingest:\n  writeKeys: [a, b]\n');
    expect(files.has('processor.yml')).toBe(true);
  });

  it('wins over a setConfig commit and reports the settings it replaced', async () => {
    const { folder, repo, sync } = await setup();
    const parent = (await repo.resolve('main')) ?? '';
    await repo.commit({
      parent,
      files: { 'gateway.yml': 'ingest:\n  writeKeys: [a, k2]\n' },
      message: 'Add k2',
      author: { name: 'alice', email: 'alice@example.com' },
    });
    await writeFile(path.join(folder, 'application.yml'), 'log:\n  level: debug\n');
    const result = await syncFolder(sync, 'edited while npm start runs');
    expect(result.applied).toEqual(['application.yml', 'gateway.yml']);
    // application.yml was last changed from the folder: not a replaced setConfig change.
    expect(result.replaced).toEqual([
      { file: 'gateway.yml', setting: 'ingest.writeKeys', repository: ['a', 'k2'], folder: ['a'] },
    ]);
  });
});

describe('folder commits', () => {
  it('tells the seed and the folder commits from setConfig commits', () => {
    expect(isFolderCommit('Initial configuration from config/')).toBe(true);
    expect(isFolderCommit('config/ at npm start: gateway.yml')).toBe(true);
    expect(isFolderCommit('config/ edited while npm start runs: gateway.yml\n')).toBe(true);
    expect(isFolderCommit('Add k2')).toBe(false);
  });

  it('lists added, removed and changed settings', () => {
    expect(settingDifferences('g.yml', 'a: 1\nb: 2\n', 'a: 1\nc: 3\n')).toEqual([
      { file: 'g.yml', setting: 'b', repository: 2, folder: undefined },
      { file: 'g.yml', setting: 'c', repository: undefined, folder: 3 },
    ]);
  });
});

// Development only (`npm start`): the configuration folder a developer edits (config/) is
// brought into the repository the Config service serves, so an edit to config/*.yml has effect
// instead of being shadowed by the repository seeded from an older config/. The folder wins;
// what setConfig changed in a file the folder replaces is reported, setting by setting.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { leaves } from '../../../config/client/merge.ts';
import type { ConfigTree } from '../../../config/client/sources.ts';
import type { GitIdentity } from './git-output.ts';
import { ConcurrentUpdateError, type GitRepository } from './repository.ts';

/** Why the folder was committed; the commit message starts with `{folder}/ {reason}:`. */
export type SyncReason = 'at npm start' | 'edited while npm start runs';

/** A setting whose value in the repository (set through setConfig) the folder replaced. */
export interface ReplacedSetting {
  file: string;
  setting: string;
  repository: unknown;
  folder: unknown;
}

export interface FolderSyncResult {
  /** Files committed because they differed from the repository; empty: nothing to do. */
  applied: string[];
  /** Settings the repository had from commits not made from the folder, now replaced. */
  replaced: ReplacedSetting[];
}

export interface FolderSyncOptions {
  repo: GitRepository;
  folder: string;
  author: GitIdentity;
}

/** Commits the folder makes (and the seed, which is the folder too), told apart from setConfig's. */
export function isFolderCommit(message: string): boolean {
  return /^Initial configuration from \S+\/$|^\S+\/ (at npm start|edited while npm start runs):/.test(
    message.trim(),
  );
}

function parseTree(text: string | undefined): ConfigTree {
  const value: unknown = text === undefined ? undefined : parse(text);
  return typeof value === 'object' && value !== null ? (value as ConfigTree) : {};
}

/** Every setting (dotted path) whose value differs between two YAML texts. */
export function settingDifferences(
  file: string,
  repository: string | undefined,
  folder: string,
): ReplacedSetting[] {
  const before = new Map(leaves(parseTree(repository)).map(([p, v]) => [p.join('.'), v]));
  const after = new Map(leaves(parseTree(folder)).map(([p, v]) => [p.join('.'), v]));
  const settings = [...new Set([...before.keys(), ...after.keys()])].sort();
  return settings
    .filter((s) => JSON.stringify(before.get(s)) !== JSON.stringify(after.get(s)))
    .map((setting) => ({
      file,
      setting,
      repository: before.get(setting),
      folder: after.get(setting),
    }));
}

async function folderFiles(folder: string): Promise<Map<string, string>> {
  const names = (await readdir(folder)).filter((name) => name.endsWith('.yml')).sort();
  const files = new Map<string, string>();
  for (const name of names) files.set(name, await readFile(path.join(folder, name), 'utf8'));
  return files;
}

/**
 * Commits the folder's `*.yml` files that differ from the served branch. Files only in the
 * repository are left alone (they are the repository's own, e.g. a profile added by setConfig).
 */
export async function syncFolder(
  options: FolderSyncOptions,
  reason: SyncReason,
): Promise<FolderSyncResult> {
  const { repo, folder, author } = options;
  for (let attempt = 1; ; attempt++) {
    const parent = await repo.resolve(repo.branch);
    if (parent === undefined) throw new Error(`branch ${repo.branch} not found in ${repo.dir}`);
    const wanted = await folderFiles(folder);
    const current = await repo.readFiles(parent, [...wanted.keys()]);
    const applied = [...wanted.keys()].filter((name) => current.get(name) !== wanted.get(name));
    if (applied.length === 0) return { applied, replaced: [] };
    const replaced: ReplacedSetting[] = [];
    for (const file of applied) {
      if (!current.has(file)) continue;
      const [last] = await repo.history(parent, [file], 1);
      if (last !== undefined && !isFolderCommit(last.message))
        replaced.push(...settingDifferences(file, current.get(file), wanted.get(file) ?? ''));
    }
    const files = Object.fromEntries(applied.map((name) => [name, wanted.get(name) ?? null]));
    try {
      await repo.commit({
        parent,
        files,
        author,
        message: `${path.basename(folder)}/ ${reason}: ${applied.join(', ')}`,
      });
      return { applied, replaced };
    } catch (error) {
      // setConfig committed in between: start again from its commit.
      if (!(error instanceof ConcurrentUpdateError) || attempt >= 5) throw error;
    }
  }
}

/** "gateway.yml ingest.writeKeys: ["a"] (setConfig) -> ["a","b"] (config/)", one per line. */
export function describeReplaced(replaced: readonly ReplacedSetting[], folder: string): string[] {
  const shown = (value: unknown) => (value === undefined ? '(unset)' : JSON.stringify(value));
  return replaced.map(
    (r) =>
      `  ${r.file} ${r.setting}: ${shown(r.repository)} (repository) -> ${shown(r.folder)} (${folder}/)`,
  );
}

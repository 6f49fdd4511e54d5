import { mkdir, readdir, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Component } from '../../../lib/lifecycle.ts';
import type { Logger } from '../../../lib/logger.ts';
import {
  LOG_FORMAT,
  formatIdentity,
  formatMktree,
  parseCatFileBatch,
  parseLog,
  parseLsTree,
  type CommitInfo,
  type GitIdentity,
} from './git-output.ts';
import { GitError, gitText, runGit } from './run-git.ts';

export interface GitRepositoryOptions {
  /** The repository (working or bare); created and seeded when missing or empty. */
  dir: string;
  /** Folder whose `*.yml` files make the first commit of a new repository. */
  seedFrom: string;
  /** The branch configuration is served from by default and written to. */
  branch: string;
  /** Who commits (the author may differ: the caller of setConfig). */
  committer: GitIdentity;
  logger: Logger;
}

export interface FileChange {
  /** New contents; null deletes the file. */
  [file: string]: string | null;
}

export interface NewCommit {
  parent: string;
  files: FileChange;
  message: string;
  author: GitIdentity;
}

/** Someone else moved the branch between our read and our write. */
export class ConcurrentUpdateError extends Error {
  override readonly name = 'ConcurrentUpdateError';
}

export interface GitRepository extends Component {
  readonly dir: string;
  /** The repository's location as Spring names it in property source names. */
  readonly uri: string;
  readonly branch: string;
  /** The commit a label (branch, tag or commit id) points at; undefined when unknown. */
  resolve(label: string): Promise<string | undefined>;
  /** Contents of files at a commit; missing files are absent from the map. */
  readFiles(commit: string, names: readonly string[]): Promise<Map<string, string>>;
  /** Names of the files at the root of a commit's tree. */
  listFiles(commit: string): Promise<string[]>;
  /** Newest first: the commits on `ref` that touched any of `pathspecs`. */
  history(ref: string, pathspecs: readonly string[], first: number): Promise<CommitInfo[]>;
  changedFiles(from: string, to: string): Promise<string[]>;
  /** Commits on top of `parent` and moves the branch, only if it still points at `parent`. */
  commit(change: NewCommit): Promise<string>;
}

/** Labels reach git as arguments: allow branch, tag and commit names, never an option. */
const LABEL = /^(?!-)(?!.*\.\.)(?!.*@\{)[A-Za-z0-9._/-]{1,200}$/;

export function isValidLabel(label: string): boolean {
  return LABEL.test(label);
}

const CACHE_ENTRIES = 2_000;

export function createGitRepository(options: GitRepositoryOptions): GitRepository {
  const { dir, branch, logger } = options;
  const ref = `refs/heads/${branch}`;
  let bare = false;
  // Once located, every command names the repository explicitly: git must never wander up to
  // an enclosing repository (the PulseHub checkout itself) if this one goes missing.
  let location: string[] = [];
  // Contents at a commit never change: cache them by commit id.
  const cache = new Map<string, string | null>();
  const git = (args: readonly string[], input?: string) =>
    gitText(dir, [...location, ...args], input);

  /** Finds the repository at `dir` itself (working or bare), refusing one found above it. */
  async function locate(): Promise<void> {
    let gitDir: string;
    let top = '';
    try {
      gitDir = await gitText(dir, ['rev-parse', '--absolute-git-dir']);
      top = await gitText(dir, ['rev-parse', '--show-toplevel']).catch(() => '');
    } catch (error) {
      throw new Error(`${dir} is not a git repository: ${(error as Error).message}`);
    }
    const here = await realpath(dir);
    bare = gitDir === here;
    if (!bare && top !== here)
      throw new Error(`${dir} is not a git repository itself (git found ${gitDir} above it)`);
    location = bare ? ['--git-dir', gitDir] : ['--git-dir', gitDir, '--work-tree', here];
  }

  async function resolve(label: string): Promise<string | undefined> {
    if (!isValidLabel(label)) return undefined;
    try {
      return await git(['rev-parse', '--verify', '--quiet', `${label}^{commit}`]);
    } catch (error) {
      if (error instanceof GitError) return undefined;
      throw error;
    }
  }

  async function isEmptyOrMissing(): Promise<boolean> {
    try {
      return (await readdir(dir)).length === 0;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
      throw error;
    }
  }

  async function writeCommit(
    parent: string | undefined,
    entries: string,
    message: string,
    author: GitIdentity,
  ): Promise<string> {
    const tree = await git(['mktree', '-z'], entries);
    const now = new Date();
    const text =
      `tree ${tree}\n${parent === undefined ? '' : `parent ${parent}\n`}` +
      `author ${formatIdentity(author, now)}\ncommitter ${formatIdentity(options.committer, now)}\n\n` +
      `${message.trim()}\n`;
    return git(['hash-object', '-t', 'commit', '-w', '--stdin'], text);
  }

  async function seed(): Promise<void> {
    // An existing empty repository keeps its HEAD: point it at our branch.
    await git(['symbolic-ref', 'HEAD', ref]);
    const names = (await readdir(options.seedFrom)).filter((n) => n.endsWith('.yml')).sort();
    const entries: string[] = [];
    for (const name of names) {
      const blob = await git(
        ['hash-object', '-w', '--stdin'],
        await readFile(path.join(options.seedFrom, name), 'utf8'),
      );
      entries.push(formatMktree([{ mode: '100644', type: 'blob', oid: blob, name }]));
    }
    const commit = await writeCommit(
      undefined,
      entries.join(''),
      `Initial configuration from ${path.basename(options.seedFrom)}/`,
      options.committer,
    );
    await git(['update-ref', ref, commit, '0'.repeat(40)]);
    if (!bare) await git(['read-tree', '--reset', '-u', ref]);
    logger.info({ dir, branch, files: names.length }, 'created the configuration repository');
  }

  /** Keeps a checked-out branch's files equal to the commits made through the service. */
  async function syncWorkingTree(from: string, to: string): Promise<void> {
    if (bare) return;
    const head = await git(['symbolic-ref', '-q', 'HEAD']).catch(() => '');
    if (head !== ref) return;
    try {
      await git(['read-tree', '-m', '-u', from, to]);
    } catch (error) {
      logger.warn(
        { dir, err: (error as Error).message },
        'committed, but the working tree has local changes and was left as it is',
      );
    }
  }

  return {
    name: 'config-repository',
    dir,
    uri: pathToFileURL(dir).href,
    branch,
    async start() {
      if (await isEmptyOrMissing()) {
        await mkdir(dir, { recursive: true });
        await gitText(dir, ['init', '-q', '--initial-branch', branch]);
      }
      await locate();
      if ((await resolve(branch)) === undefined) {
        const hasCommits = await git(['rev-parse', '--verify', '--quiet', 'HEAD'])
          .then(() => true)
          .catch(() => false);
        if (hasCommits) throw new Error(`branch ${branch} not found in ${dir}`);
        await seed();
      }
    },
    stop: () => Promise.resolve(),
    ready: async () => (await resolve(branch)) !== undefined,
    resolve,
    async readFiles(commit, names) {
      const missing = names.filter((name) => !cache.has(`${commit}:${name}`));
      if (missing.length > 0) {
        const objects = missing.map((name) => `${commit}:${name}`);
        const output = await runGit(dir, ['cat-file', '--batch'], `${objects.join('\n')}\n`);
        const found = parseCatFileBatch(output, objects);
        for (const object of objects) {
          cache.set(object, found.get(object)?.toString('utf8') ?? null);
          if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
        }
      }
      const files = new Map<string, string>();
      for (const name of names) {
        const text = cache.get(`${commit}:${name}`);
        if (typeof text === 'string') files.set(name, text);
      }
      return files;
    },
    async listFiles(commit) {
      return (await git(['ls-tree', '--name-only', '-z', commit])).split('\0').filter(Boolean);
    },
    async history(at, pathspecs, first) {
      const output = await runGit(dir, [
        'log',
        LOG_FORMAT,
        '--name-only',
        `-n${first}`,
        at,
        '--',
        ...pathspecs,
      ]);
      return parseLog(output.toString('utf8'));
    },
    async changedFiles(from, to) {
      return (await git(['diff', '--name-only', '-z', from, to])).split('\0').filter(Boolean);
    },
    async commit({ parent, files, message, author }) {
      const entries = new Map(
        parseLsTree(await git(['ls-tree', '-z', parent])).map((entry) => [entry.name, entry]),
      );
      for (const [name, text] of Object.entries(files)) {
        if (text === null) entries.delete(name);
        else {
          const oid = await git(['hash-object', '-w', '--stdin'], text);
          entries.set(name, { mode: '100644', type: 'blob', oid, name });
        }
      }
      const commit = await writeCommit(
        parent,
        formatMktree([...entries.values()]),
        message,
        author,
      );
      try {
        await git(['update-ref', ref, commit, parent]);
      } catch (error) {
        if (error instanceof GitError)
          throw new ConcurrentUpdateError(
            `${branch} moved while committing: ${error.stderr.trim()}`,
          );
        throw error;
      }
      await syncWorkingTree(parent, commit);
      return commit;
    },
  };
}

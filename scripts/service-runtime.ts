// How a service's process runs its code: from the TypeScript sources through the tsx loader
// (development, the default), or from the compiled build under dist/ on plain node (`npm run
// build`; production). Both the supervisor of `npm start` and the test and benchmark spawner
// start services through these arguments, so the two never disagree on what "built" means.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT, repoPath } from '../schema/repo-root.ts';

export type ServiceRuntime = 'tsx' | 'built';

/** tsconfig.build.json's outDir: the repository tree, compiled, one level down. */
export const BUILD_DIR = repoPath('dist');

// Resolved from this repository's node_modules, whatever the current directory is.
const TSX_LOADER = import.meta.resolve('tsx');

/** PULSEHUB_RUNTIME: `built` runs dist/, `tsx` (or unset) the sources. */
export function runtimeFromEnv(env: NodeJS.ProcessEnv): ServiceRuntime {
  const value = (env['PULSEHUB_RUNTIME'] ?? '').trim().toLowerCase();
  if (value === '' || value === 'tsx') return 'tsx';
  if (value === 'built') return 'built';
  throw new Error(`PULSEHUB_RUNTIME must be tsx or built, got "${env['PULSEHUB_RUNTIME']}"`);
}

/** The compiled file of a source file relative to the repository root (a.ts -> dist/a.js). */
export function builtFile(entry: string): string {
  return path.join(BUILD_DIR, entry.replace(/\.ts$/, '.js'));
}

export interface NodeArgsOptions {
  /** Modules preloaded with --import, in the same form as the entry. */
  preloads?: readonly string[];
  /** Other Node.js flags (e.g. --cpu-prof), placed before the entry. */
  flags?: readonly string[];
}

/**
 * The node arguments that run `entry` (a .ts file relative to the repository root): under tsx
 * the sources, built the compiled files with no loader at all, so no TypeScript tooling is in
 * the process.
 */
export function nodeArgsFor(
  runtime: ServiceRuntime,
  entry: string,
  { preloads = [], flags = [] }: NodeArgsOptions = {},
): string[] {
  const file = runtime === 'built' ? builtFile : (source: string) => repoPath(source);
  return [
    ...(runtime === 'tsx' ? ['--import', TSX_LOADER] : []),
    ...preloads.flatMap((preload) => ['--import', pathToFileURL(file(preload)).href]),
    ...flags,
    file(entry),
  ];
}

async function compiledFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.js'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

const mtimeOf = (file: string): Promise<number | undefined> =>
  stat(file).then(
    (info) => info.mtimeMs,
    () => undefined,
  );

/**
 * Why the build cannot run `entries` as the sources are now, or undefined when it can: dist/
 * or an entry's compiled file is missing, or a source file changed after its compiled file
 * was written (a new import changes its importer, so a new file is caught too).
 */
export async function staleBuildReason(entries: readonly string[]): Promise<string | undefined> {
  const missing = [];
  for (const entry of entries)
    if ((await mtimeOf(builtFile(entry))) === undefined) missing.push(entry);
  if (missing.length > 0)
    return `no compiled ${missing.join(', ')} under ${path.relative(REPO_ROOT, BUILD_DIR)}/`;
  const newer: string[] = [];
  for (const compiled of await compiledFiles(BUILD_DIR)) {
    const source = path.join(REPO_ROOT, path.relative(BUILD_DIR, compiled)).replace(/\.js$/, '.ts');
    const [sourceTime, compiledTime] = await Promise.all([mtimeOf(source), mtimeOf(compiled)]);
    // A source that is gone no longer takes part: its importers changed when it was removed.
    if (sourceTime !== undefined && compiledTime !== undefined && sourceTime > compiledTime)
      newer.push(path.relative(REPO_ROOT, source));
  }
  if (newer.length === 0) return undefined;
  const shown =
    newer.slice(0, 5).join(', ') + (newer.length > 5 ? ` and ${newer.length - 5} more` : '');
  return `the build is older than its sources (${shown} changed since)`;
}

/** Throws, telling to run `npm run build`, unless the build is current for `entries`. */
export async function assertBuildIsCurrent(entries: readonly string[]): Promise<void> {
  const reason = await staleBuildReason(entries);
  if (reason !== undefined)
    throw new Error(`cannot run the build: ${reason}; run \`npm run build\` first`);
}

// The repository root, found the same way from the sources and from the compiled build. The
// build (tsconfig.build.json) mirrors the tree one level down, under dist/, and copies no
// assets: SDL, migrations, the configuration and the dashboard are read from the repository.
// So a file that reads one resolves it against this root, never against its own location.
// It lives in schema/, the bottom layer, so that every layer (schema/ itself included) may use it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest folder at or above `start` holding a package.json (dist/ holds none). */
function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}

export const REPO_ROOT = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));

/** A path inside the repository, e.g. repoPath('schema', 'supergraph.graphql'). */
export function repoPath(...segments: string[]): string {
  return path.join(REPO_ROOT, ...segments);
}

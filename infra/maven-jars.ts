// Fetches the runtime jars of a Maven POM from Maven Central (once) into a cache folder.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { requireExecutable } from './executables.ts';
import { runCommand } from './process.ts';

export function hasJars(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).some((file) => file.endsWith('.jar'));
}

/**
 * Copies the runtime dependencies of `pom` into `libsDir` unless it already holds jars, and
 * returns how long the download took (undefined when nothing was fetched). `purpose` completes
 * the message shown when Maven is missing ("mvn is needed …"). Downloaded into a private folder
 * and renamed: an interrupted download never looks complete, and a concurrent caller (npm
 * start beside the test setup) never sees a half-filled folder.
 */
export async function ensureMavenJars(
  pom: string,
  libsDir: string,
  purpose: string,
): Promise<number | undefined> {
  if (hasJars(libsDir)) return undefined;
  const mvn = requireExecutable('mvn', purpose);
  const started = Date.now();
  const tmpDir = `${libsDir}.tmp-${process.pid}`;
  rmSync(tmpDir, { recursive: true, force: true });
  mkdirSync(dirname(libsDir), { recursive: true });
  try {
    await runCommand(mvn, [
      '-q',
      '-B',
      '-f',
      pom,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${tmpDir}`,
      '-DincludeScope=runtime',
    ]);
    if (!hasJars(tmpDir)) throw new Error(`Maven finished but left no jars in ${tmpDir}`);
    try {
      renameSync(tmpDir, libsDir);
    } catch (error) {
      // Another process finished first: use its copy.
      if (!hasJars(libsDir)) throw error;
    }
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
  return Date.now() - started;
}

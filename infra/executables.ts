// Locating system binaries (java, mvn, redis-server, postgres, initdb) so a missing one produces
// an actionable message instead of a bare ENOENT.
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function pathDirs(): string[] {
  return (process.env.PATH ?? '').split(delimiter).filter(Boolean);
}

/** Absolute path of `name` on PATH (or in `extraDirs`), or undefined. */
export function findExecutable(
  name: string,
  extraDirs: readonly string[] = [],
): string | undefined {
  for (const dir of [...pathDirs(), ...extraDirs]) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export function requireExecutable(
  name: string,
  why: string,
  extraDirs: readonly string[] = [],
): string {
  const found = findExecutable(name, extraDirs);
  if (!found) throw new Error(`${name} not found on PATH; it is needed ${why}`);
  return found;
}

/** java from JAVA_HOME first (what Kafka's own scripts do), then PATH. */
export function findJava(): string {
  const javaHome = process.env.JAVA_HOME;
  if (javaHome && isExecutable(join(javaHome, 'bin', 'java'))) return join(javaHome, 'bin', 'java');
  return requireExecutable('java', 'to run Kafka (Java 17 or newer recommended)');
}

/**
 * A directory holding both `postgres` and `initdb`, so both come from the same major version.
 * Debian/Ubuntu keep them off PATH under /usr/lib/postgresql/<version>/bin; newest wins there.
 */
export function findPostgresBinDir(): string {
  const debianDirs = listDebianPostgresDirs();
  for (const dir of [...pathDirs(), ...debianDirs]) {
    if (isExecutable(join(dir, 'postgres')) && isExecutable(join(dir, 'initdb'))) return dir;
  }
  throw new Error(
    'PostgreSQL server binaries (postgres, initdb) not found on PATH or under /usr/lib/postgresql/*/bin; ' +
      'install PostgreSQL or point DATABASE_URL at a running server',
  );
}

function listDebianPostgresDirs(): string[] {
  try {
    return readdirSync('/usr/lib/postgresql')
      .filter((version) => /^\d+(\.\d+)?$/.test(version))
      .sort((a, b) => Number(b) - Number(a))
      .map((version) => join('/usr/lib/postgresql', version, 'bin'));
  } catch {
    return [];
  }
}

/** uid/gid of a system user from /etc/passwd (no extra dependency for getpwnam). */
export function lookupUser(name: string): { uid: number; gid: number } | undefined {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [user, , uid, gid] = line.split(':');
      if (user === name && uid && gid) return { uid: Number(uid), gid: Number(gid) };
    }
  } catch {
    // No /etc/passwd: not a system where we need to switch users.
  }
  return undefined;
}

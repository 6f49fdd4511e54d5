// PostgreSQL: use the configured server when it answers, otherwise run a private cluster from
// the system binaries with its data under <dataDir>/postgres. Either way the application
// database named in DATABASE_URL is created when missing.
import { chownSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { findPostgresBinDir, lookupUser } from './executables.ts';
import { databaseName, ensureDatabase, serverVersion } from './postgres-database.ts';
import type { ManagedProcess } from './process.ts';
import { runCommand, startProcess } from './process.ts';
import { isLoopbackHost, isPortOpen, seconds, urlHostPort, waitUntil } from './reachability.ts';
import type { InfraOptions } from './types.ts';

// A Unix socket path is limited to ~107 bytes; ".s.PGSQL.<port>" takes 14 of them.
const MAX_SOCKET_DIR_LENGTH = 90;

export async function ensurePostgres(options: InfraOptions): Promise<ManagedProcess | undefined> {
  const url = new URL(options.databaseUrl);
  const { host, port } = urlHostPort(url, 5432);
  const address = `${host}:${port}`;
  const started = Date.now();
  let server: ManagedProcess | undefined;
  let version: string;

  if (await isPortOpen(host, port)) {
    try {
      version = await serverVersion(options.databaseUrl);
    } catch (error) {
      throw new Error(
        `something listens on ${address} but the postgres database cannot be reached with ` +
          `DATABASE_URL's user: ${String(error)}`,
      );
    }
  } else {
    if (!isLoopbackHost(host)) {
      throw new Error(
        `no PostgreSQL reachable at ${address}, and it is not on this machine to start it`,
      );
    }
    server = await startPostgres(
      options,
      host,
      port,
      decodeURIComponent(url.username) || 'postgres',
    );
    version = await serverVersion(options.databaseUrl);
  }

  let created: boolean;
  try {
    created = await ensureDatabase(options.databaseUrl);
  } catch (error) {
    await server?.stop();
    throw error;
  }
  const database = created ? `, created database ${databaseName(options.databaseUrl)}` : '';
  options.log(
    server
      ? `postgres: started PostgreSQL ${version} on ${address} in ${seconds(started)}${database}`
      : `postgres: using ${address} (already running${database})`,
  );
  return server;
}

/**
 * PostgreSQL refuses to run as root: when we are root, its binaries run as the postgres user.
 * Switching via spawn's uid/gid rather than `runuser`/`su` keeps the real postgres pid as our
 * child: util-linux su/runuser turn a stop signal into SIGTERM and SIGKILL their child two
 * seconds later, too soon for a clean shutdown.
 */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const user = lookupUser('postgres');
  if (!user) {
    throw new Error(
      'running as root, but PostgreSQL refuses to run as root and there is no "postgres" user ' +
        'to run it as; create one or point DATABASE_URL at a running server',
    );
  }
  return user;
}

async function startPostgres(
  options: InfraOptions,
  host: string,
  port: number,
  superuser: string,
): Promise<ManagedProcess> {
  const binDir = findPostgresBinDir();
  const user = runAs();
  const home = join(options.dataDir, 'postgres');
  const pgdata = join(home, 'data');
  const socketDir = join(home, 'run');
  mkdirSync(socketDir, { recursive: true });
  if (user) chownSync(socketDir, user.uid, user.gid);

  if (!existsSync(join(pgdata, 'PG_VERSION'))) {
    // initdb into a scratch folder and rename: an interrupted initdb never looks like a cluster.
    const scratch = join(home, 'data.initdb');
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(scratch, { mode: 0o700 });
    if (user) chownSync(scratch, user.uid, user.gid);
    await runCommand(
      join(binDir, 'initdb'),
      // Trust auth on loopback only (listen_addresses below); no locale, so it works in any
      // container regardless of which locales are installed.
      ['-D', scratch, '--auth=trust', '-U', superuser, '--encoding=UTF8', '--no-locale'],
      user ?? {},
    );
    renameSync(scratch, pgdata);
  }

  const server = await startProcess({
    name: 'postgres',
    command: join(binDir, 'postgres'),
    args: [
      '-D',
      pgdata,
      '-p',
      String(port),
      '-c',
      `listen_addresses=${host}`,
      // Our own socket folder: the system default (/var/run/postgresql) may not be writable, and
      // must not collide with a system cluster. Too long a path: TCP only.
      '-c',
      `unix_socket_directories=${socketDir.length <= MAX_SOCKET_DIR_LENGTH ? socketDir : ''}`,
    ],
    logFile: join(home, 'postgres.log'),
    // SIGINT is the "fast" shutdown: it disconnects clients instead of waiting for them (SIGTERM).
    stopSignal: 'SIGINT',
    stopTimeoutMs: 30_000,
    ...(user ?? {}),
  });
  try {
    await waitUntil(async () => Boolean(await serverVersion(options.databaseUrl)), {
      what: `PostgreSQL to accept connections on ${host}:${port}`,
      timeoutMs: 60_000,
      intervalMs: 200,
      process: server,
    });
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

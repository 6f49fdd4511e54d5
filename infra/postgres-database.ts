// Talking to PostgreSQL through the `postgres` maintenance database: "does it answer?" and
// "create the application database if it is missing".
import pg from 'pg';

/** The same server, user and options as DATABASE_URL, but the always-present `postgres` database. */
export function maintenanceUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  return url.toString();
}

/** The database named in the URL; like libpq, the user name when the URL names none. */
export function databaseName(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  return name || decodeURIComponent(url.username) || 'postgres';
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  // A server shutting down mid-query emits 'error' on the client; the query rejects anyway.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Connects to the maintenance database; resolves to the server version (e.g. "15.14"). */
export function serverVersion(databaseUrl: string): Promise<string> {
  return withClient(maintenanceUrl(databaseUrl), async (client) => {
    const result = await client.query<{ server_version: string }>('SHOW server_version');
    // Debian appends its package name ("15.14 (Debian 15.14-1.pgdg120+1)"); keep the number.
    return (result.rows[0]?.server_version ?? 'unknown').split(' ')[0] as string;
  });
}

// duplicate_database, and the unique index on pg_database when two creators race.
const ALREADY_EXISTS = new Set(['42P04', '23505']);

/** Creates the URL's database when missing; true when this call created it. */
export function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const name = databaseName(databaseUrl);
  return withClient(maintenanceUrl(databaseUrl), async (client) => {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (existing.rowCount) return false;
    try {
      // CREATE DATABASE takes no bind parameters: quote the identifier ourselves.
      await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
      return true;
    } catch (error) {
      if (ALREADY_EXISTS.has((error as { code?: string }).code ?? '')) return false;
      throw error;
    }
  });
}

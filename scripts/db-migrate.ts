import { runMigrations } from '../schema/db/migrate.ts';

const databaseUrl = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/pulsehub';
await runMigrations(databaseUrl);
console.log(`migrations applied to ${new URL(databaseUrl).pathname.slice(1)}`);

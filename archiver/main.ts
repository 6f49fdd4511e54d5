import { runService } from '../lib/service.ts';
import { runMigrations } from '../schema/db/migrate.ts';
import { archiverConfigSchema } from './config.ts';
import { createArchiverService } from './service.ts';

await runService('archiver', archiverConfigSchema, async (config, logger) => {
  // The archive's tables must exist before the first batch; migrations are idempotent.
  await runMigrations(config.database.url);
  return createArchiverService(config, logger);
});

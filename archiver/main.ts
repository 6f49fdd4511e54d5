import { runService } from '../config/client/run-service.ts';
import { archiverConfigSchema } from './config.ts';
import { createArchiverService } from './service.ts';

// The service applies the archive's migrations itself before its first write (schema-gate.ts).
await runService('archiver', archiverConfigSchema, (config, logger) =>
  createArchiverService(config, logger),
);

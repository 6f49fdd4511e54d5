import { runService } from '../../config/client/run-service.ts';
import { activityConfigSchema } from './config.ts';
import { createActivityService } from './service.ts';

// The service makes its own logger; `live` keeps its ingest.junkIdentifiers current.
await runService('activity', activityConfigSchema, (config, _logger, live) =>
  createActivityService(config, live),
);

import { runService } from '../../config/client/run-service.ts';
import { activityConfigSchema } from './config.ts';
import { createActivityService } from './service.ts';

await runService('activity', activityConfigSchema, createActivityService);

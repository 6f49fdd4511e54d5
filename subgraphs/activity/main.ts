import { runService } from '../../lib/service.ts';
import { activityConfigSchema } from './config.ts';
import { createActivityService } from './service.ts';

await runService('activity', activityConfigSchema, createActivityService);

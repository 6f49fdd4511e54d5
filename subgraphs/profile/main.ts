import { runService } from '../../config/client/run-service.ts';
import { profileConfigSchema } from './config.ts';
import { createProfileService } from './service.ts';

await runService('profile', profileConfigSchema, createProfileService);

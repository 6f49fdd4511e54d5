import { runService } from '../../config/client/run-service.ts';
import { configServiceConfigSchema } from './config.ts';
import { createConfigService } from './service.ts';

await runService('config', configServiceConfigSchema, createConfigService);

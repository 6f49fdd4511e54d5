import { runService } from '../config/client/run-service.ts';
import { processorConfigSchema } from './config.ts';
import { createProcessorService } from './service.ts';

await runService('processor', processorConfigSchema, createProcessorService);

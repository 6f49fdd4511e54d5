import { runService } from '../lib/service.ts';
import { processorConfigSchema } from './config.ts';
import { createProcessorService } from './service.ts';

await runService('processor', processorConfigSchema, createProcessorService);

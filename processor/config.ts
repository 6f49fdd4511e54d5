import { z } from 'zod';
import { consumerSettings, httpSettings, sharedSettings } from '../config/client/shared-schema.ts';

export const processorConfigSchema = z.object({
  ...sharedSettings,
  http: httpSettings,
  consumer: consumerSettings,
});

export type ProcessorConfig = z.infer<typeof processorConfigSchema>;

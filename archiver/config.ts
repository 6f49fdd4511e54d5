import { z } from 'zod';
import { consumerSettings, httpSettings, sharedSettings } from '../config/client/shared-schema.ts';

export const archiverConfigSchema = z.object({
  ...sharedSettings,
  http: httpSettings,
  consumer: consumerSettings,
});

export type ArchiverConfig = z.infer<typeof archiverConfigSchema>;

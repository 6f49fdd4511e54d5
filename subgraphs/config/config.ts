import { z } from 'zod';
import { httpSettings, sharedSettings } from '../../config/client/shared-schema.ts';

export const configServiceConfigSchema = z.object({ ...sharedSettings, http: httpSettings });
export type ConfigServiceConfig = z.infer<typeof configServiceConfigSchema>;

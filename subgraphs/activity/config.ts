import { z } from 'zod';
import { httpSettings, sharedSettings } from '../../config/client/shared-schema.ts';

export const activityConfigSchema = z.object({ ...sharedSettings, http: httpSettings });
export type ActivityConfig = z.infer<typeof activityConfigSchema>;

import { z } from 'zod';
import { httpSettings, sharedSettings } from '../../config/client/shared-schema.ts';

export const profileConfigSchema = z.object({ ...sharedSettings, http: httpSettings });
export type ProfileConfig = z.infer<typeof profileConfigSchema>;

import { z } from 'zod';
import {
  gatewaySignatureSettings,
  httpSettings,
  sharedSettings,
} from '../../config/client/shared-schema.ts';

export const activityConfigSchema = z.object({
  ...sharedSettings,
  http: httpSettings,
  gatewaySignature: gatewaySignatureSettings,
});
export type ActivityConfig = z.infer<typeof activityConfigSchema>;

import { z } from 'zod';
import {
  gatewaySignatureSettings,
  httpSettings,
  sharedSettings,
} from '../../config/client/shared-schema.ts';

export const profileConfigSchema = z.object({
  ...sharedSettings,
  http: httpSettings,
  gatewaySignature: gatewaySignatureSettings,
});
export type ProfileConfig = z.infer<typeof profileConfigSchema>;

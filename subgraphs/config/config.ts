import { z } from 'zod';
import {
  gatewaySignatureSettings,
  httpSettings,
  sharedSettings,
} from '../../config/client/shared-schema.ts';

export const configServiceConfigSchema = z.object({
  ...sharedSettings,
  http: httpSettings,
  gatewaySignature: gatewaySignatureSettings,
});
export type ConfigServiceConfig = z.infer<typeof configServiceConfigSchema>;

import { z } from 'zod';
import {
  gatewaySignatureSettings,
  httpSettings,
  sharedSettings,
} from '../../config/client/shared-schema.ts';

export const activityConfigSchema = z.object({
  ...sharedSettings,
  http: httpSettings,
  ingest: z.object({ produceTimeoutMs: z.number().int().min(100).max(60_000) }),
  gatewaySignature: gatewaySignatureSettings,
});
export type ActivityConfig = z.infer<typeof activityConfigSchema>;

import { z } from 'zod';
import { httpSettings, sharedSettings } from '../config/client/shared-schema.ts';

export const gatewayConfigSchema = z.object({
  ...sharedSettings,
  http: httpSettings,
  subgraphs: z.object({
    profile: z.string().url(),
    activity: z.string().url(),
    config: z.string().url(),
  }),
  ingest: z.object({
    writeKeys: z.array(z.string().min(1)).min(1),
    produceTimeoutMs: z.number().int().min(100).max(60_000),
    retryAfterSeconds: z.number().int().min(1).max(3_600),
  }),
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

import { z } from 'zod';
import { httpSettings, sharedSettings } from '../config/client/shared-schema.ts';
import { subscriptionSettings } from './subscriptions/settings.ts';

export const gatewayConfigSchema = z.object({
  ...sharedSettings,
  http: httpSettings,
  subgraphs: z.object({
    profile: z.string().url(),
    activity: z.string().url(),
    config: z.string().url(),
  }),
  ingest: z.object({ writeKeys: z.array(z.string().min(1)).min(1) }),
  subscriptions: subscriptionSettings,
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

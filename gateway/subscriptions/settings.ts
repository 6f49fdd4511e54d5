import { z } from 'zod';

/** `subscriptions` in config/gateway.yml: limits of the graphql-ws endpoint. */
export const subscriptionSettings = z.object({
  maxConnections: z.number().int().min(1),
  maxSubscriptionsPerConnection: z.number().int().min(1),
  maxBufferedBytes: z.number().int().min(1_024),
  maxMessageBytes: z.number().int().min(1_024),
  keepAliveMs: z.number().int().min(100),
  connectionInitTimeoutMs: z.number().int().min(100),
  upstreamRetryAttempts: z.number().int().min(0),
  stateFields: z.array(z.string().min(1)),
});

export type SubscriptionLimits = z.infer<typeof subscriptionSettings>;

import { z } from 'zod';
import { parseAddressOrSubnet } from './client-address.ts';

const addressOrSubnet = z.string().refine((entry) => parseAddressOrSubnet(entry) !== undefined, {
  message: 'must be an IP address or a CIDR subnet, e.g. 10.0.0.0/8',
});

/**
 * `subscriptions` in config/gateway.yml: limits of the graphql-ws endpoint. The defaults (of
 * the newer settings, for a configuration repository without them) equal config/gateway.yml.
 */
export const subscriptionSettings = z.object({
  maxConnections: z.number().int().min(1),
  maxSubscriptionsPerConnection: z.number().int().min(1),
  maxBufferedBytes: z.number().int().min(1_024),
  maxMessageBytes: z.number().int().min(1_024),
  keepAliveMs: z.number().int().min(100),
  connectionInitTimeoutMs: z.number().int().min(100),
  upstreamRetryAttempts: z.number().int().min(0),
  stateFields: z.array(z.string().min(1)),
  requireToken: z.boolean().default(false),
  maxConnectionsPerAddress: z.number().int().min(1).default(100), // open connections
  connectionsPerAddressPerSecond: z.number().positive().default(10), // new connections per second
  connectionBurstPerAddress: z.number().int().min(1).default(20), // new connections at once
  trustedProxies: z.array(addressOrSubnet).default([]),
});

export type SubscriptionLimits = z.infer<typeof subscriptionSettings>;

/** The settings read on every upgrade (through a getter), so a change applies to the next one. */
export const LIVE_SUBSCRIPTION_SETTINGS = [
  'subscriptions.maxConnectionsPerAddress',
  'subscriptions.connectionsPerAddressPerSecond',
  'subscriptions.connectionBurstPerAddress',
  'subscriptions.trustedProxies',
];

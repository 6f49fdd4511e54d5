import { z } from 'zod';
import {
  gatewaySignatureSettings,
  httpSettings,
  sharedSettings,
} from '../config/client/shared-schema.ts';
import { withProductionRules } from '../config/client/production-safety-rules.ts';
import { junkIdentifiersSetting } from '../events/junk-identifiers.ts';
import { MAX_BATCH_EVENTS } from '../schema/event.ts';
import { gatewayProductionRules } from './production-rules.ts';

const positive = z.number().int().min(1);

export const authSettings = z
  .object({
    algorithms: z.array(z.enum(['ES256', 'RS256', 'HS256'])).min(1),
    jwksUrl: z.union([z.literal(''), z.string().url()]),
    publicKey: z.string(),
    publicKeyFile: z.string(),
    hs256Secret: z.string(),
    issuer: z.string(),
    audience: z.string(),
    clockToleranceSeconds: z.number().int().min(0).max(300),
  })
  .superRefine((auth, ctx) => {
    const asymmetric = auth.algorithms.some((alg) => alg !== 'HS256');
    const keySources = [auth.jwksUrl, auth.publicKey, auth.publicKeyFile].filter((s) => s !== '');
    if (asymmetric && keySources.length !== 1)
      ctx.addIssue({
        code: 'custom',
        path: ['jwksUrl'],
        message:
          'exactly one of auth.jwksUrl, auth.publicKey or auth.publicKeyFile must be set (AUTH_JWKS_URL, AUTH_PUBLIC_KEY, AUTH_PUBLIC_KEY_FILE)',
      });
    const hs256 = auth.algorithms.includes('HS256');
    if (hs256 && auth.hs256Secret.length < 32)
      ctx.addIssue({
        code: 'custom',
        path: ['hs256Secret'],
        message: 'HS256 needs auth.hs256Secret of at least 32 characters',
      });
    if (!hs256 && auth.hs256Secret !== '')
      ctx.addIssue({
        code: 'custom',
        path: ['algorithms'],
        message: 'auth.hs256Secret is set but HS256 is not in auth.algorithms',
      });
  });

export const limitSettings = z.object({
  maxDepth: positive,
  maxAliases: z.number().int().min(0),
  maxTokens: positive,
  maxCost: positive,
  defaultListSize: positive,
  maxBodyBytes: positive,
});
import { subscriptionSettings } from './subscriptions/settings.ts';

/**
 * A token bucket's shape. The burst is at least the largest batch, so every valid request
 * can pass once the bucket is full: a smaller burst would refuse a full batch forever.
 */
const bucketSettings = {
  eventsPerSecond: z.number().positive(),
  burst: z
    .number()
    .int()
    .min(MAX_BATCH_EVENTS, {
      message: `burst must be at least ${MAX_BATCH_EVENTS}, the largest batch`,
    }),
};

/** Defaults equal to config/gateway.yml, for a configuration repository without the keys. */
export const rateLimitSettings = z.object({
  eventsPerSecond: bucketSettings.eventsPerSecond.default(1_000), // events per second
  burst: bucketSettings.burst.default(5_000), // events
  overrides: z.array(z.object({ writeKey: z.string().min(1), ...bucketSettings })).default([]),
});

/** Defaults equal to config/gateway.yml, for a configuration repository without the keys. */
export const dashboardSettings = z.object({
  enabled: z.boolean().default(true),
  devSignIn: z.boolean().default(true),
});

export const gatewayConfigSchema = withProductionRules(
  z.object({
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
      rateLimit: rateLimitSettings.default({ eventsPerSecond: 1_000, burst: 5_000, overrides: [] }),
      junkIdentifiers: junkIdentifiersSetting,
    }),
    subgraphClient: z.object({
      connections: positive,
      keepAliveMs: positive,
      timeoutMs: positive,
    }),
    gatewaySignature: gatewaySignatureSettings,
    auth: authSettings,
    graphql: z.object({ introspection: z.boolean(), maskInternalErrors: z.boolean() }),
    limits: limitSettings,
    subscriptions: subscriptionSettings,
    dashboard: dashboardSettings.default({ enabled: true, devSignIn: true }),
  }),
  gatewayProductionRules,
);

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
export type AuthSettings = z.infer<typeof authSettings>;
export type QueryLimits = z.infer<typeof limitSettings>;
export type RateLimitSettings = z.infer<typeof rateLimitSettings>;

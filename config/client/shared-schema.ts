import { z } from 'zod';
// The dependency timeouts live beside the Redis and PostgreSQL plumbing that applies them.
import { databaseTimeoutSettings, redisTimeoutSettings } from '../../lib/dependency-timeouts.ts';
import { redisAddressSetting } from '../../lib/redis-address.ts';

/**
 * The credential config/application.yml (`configServer`, what services send) and
 * config/config.yml (`auth`, what the Config service accepts) ship for development.
 */
export const DEVELOPMENT_CONFIG_CREDENTIAL = {
  username: 'pulsehub',
  password: 'pulsehub-development-config-password',
} as const;

/** How a service reaches the config service (config/application.yml `configServer`). */
export const configServerSettings = z.object({
  enabled: z.boolean(),
  url: z.string().url(),
  label: z.string().min(1),
  /** HTTP Basic credentials, as Spring's `spring.cloud.config.username/password`. */
  username: z.string().default(DEVELOPMENT_CONFIG_CREDENTIAL.username),
  password: z.string().default(DEVELOPMENT_CONFIG_CREDENTIAL.password),
  /** A bearer token; when set it is sent instead of the Basic credentials. */
  token: z.string(),
  failFast: z.boolean(),
  timeoutMs: z.number().int().min(1),
  retry: z.object({
    attempts: z.number().int().min(1).max(100),
    initialDelayMs: z.number().int().min(0),
    maxDelayMs: z.number().int().min(0),
    multiplier: z.number().min(1),
  }),
});
export type ConfigServerSettings = z.infer<typeof configServerSettings>;

export const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevelSetting = (typeof logLevels)[number];

/** Settings every service shares (config/application.yml). */
export const sharedSettings = {
  kafka: z.object({ brokers: z.string().min(1), clientId: z.string().min(1) }),
  topics: z.object({
    events: z.string().min(1),
    deadLetter: z.string().min(1),
    changelog: z.string().min(1),
    partitions: z.number().int().min(1).max(1_000),
  }),
  redis: z.object({
    url: redisAddressSetting,
    keyPrefix: z.string(),
    ...redisTimeoutSettings.shape,
  }),
  database: z.object({ url: z.string().min(1), ...databaseTimeoutSettings.shape }),
  log: z.object({ level: z.enum(logLevels) }),
  configServer: configServerSettings,
  // Defaulted, equal to application.yml, so a configuration repository from before it works.
  heartbeat: z
    .object({ intervalMs: z.number().int().min(100).max(60_000).default(1_000) })
    .default({ intervalMs: 1_000 }),
};

export const httpSettings = z.object({
  host: z.string().min(1),
  port: z.number().int().min(0).max(65_535),
});

export const consumerSettings = z.object({ groupId: z.string().min(1) });

/** The secret the gateway signs subgraph requests with (config/application.yml `gatewaySignature`). */
export const gatewaySignatureSettings = z.object({
  secret: z
    .string()
    .min(32, 'must be at least 32 characters (set GATEWAY_SIGNATURE_SECRET, the same everywhere)'),
  // Defaulted so a configuration repository from before rotation keeps working.
  previousSecrets: z.array(z.string().min(32, 'must be at least 32 characters')).default([]),
  maxAgeSeconds: z.number().int().min(1).max(3_600),
  // Defaulted so a configuration repository from before the replay cache keeps working.
  replayCacheMaxEntries: z.number().int().min(1_000).default(500_000),
});

import { z } from 'zod';
import {
  DEVELOPMENT_CONFIG_CREDENTIAL as DEVELOPMENT_CREDENTIAL,
  gatewaySignatureSettings,
  httpSettings,
  sharedSettings,
} from '../../config/client/shared-schema.ts';
import { subgraphProductionRules } from '../../config/client/production-safety-shared.ts';
import { withProductionRules } from '../../config/client/production-safety-rules.ts';
import { configServiceProductionRules } from './production-rules.ts';

export const configServiceConfigSchema = withProductionRules(
  z.object({
    ...sharedSettings,
    http: httpSettings,
    gatewaySignature: gatewaySignatureSettings,
    repository: z.object({
      path: z.string().min(1),
      seedFrom: z.string().min(1),
      branch: z.string().regex(/^[A-Za-z0-9._/-]+$/),
      pollIntervalMs: z.number().int().min(0),
      committer: z.object({ name: z.string().min(1), email: z.string().min(1) }),
    }),
    encrypt: z.object({
      key: z.string(),
      keyFile: z.string().min(1),
      // Defaulted so a configuration repository from before key rotation keeps working.
      previousKeys: z.array(z.string().min(1)).default([]),
    }),
    // The configuration endpoint serves decrypted secrets: never without credentials. The
    // defaults are the development credential of config/config.yml; config-production.yml
    // blanks the password, so production refuses to start until AUTH_PASSWORD is set.
    auth: z
      .object({
        username: z
          .string()
          .min(1, 'must be set (AUTH_USERNAME): the configuration endpoint is always authenticated')
          .regex(/^[^:]*$/, 'must not contain ":" (HTTP Basic separates user and password by it)')
          .default(DEVELOPMENT_CREDENTIAL.username),
        password: z
          .string()
          .min(1, 'must be set (AUTH_PASSWORD): the configuration endpoint is always authenticated')
          .default(DEVELOPMENT_CREDENTIAL.password),
        token: z.string().default(''),
      })
      .default({ ...DEVELOPMENT_CREDENTIAL, token: '' }),
    // Defaulted, equal to config.yml, so a configuration repository from before it works.
    status: z
      .object({ intervalMs: z.number().int().min(100).max(60_000).default(1_000) })
      .default({ intervalMs: 1_000 }),
  }),
  [...subgraphProductionRules, ...configServiceProductionRules],
);
export type ConfigServiceConfig = z.infer<typeof configServiceConfigSchema>;

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
  repository: z.object({
    path: z.string().min(1),
    seedFrom: z.string().min(1),
    branch: z.string().regex(/^[A-Za-z0-9._/-]+$/),
    pollIntervalMs: z.number().int().min(0),
    committer: z.object({ name: z.string().min(1), email: z.string().min(1) }),
  }),
  encrypt: z.object({ key: z.string(), keyFile: z.string().min(1) }),
});
export type ConfigServiceConfig = z.infer<typeof configServiceConfigSchema>;

import { z } from 'zod';
import { consumerSettings, httpSettings, sharedSettings } from '../config/client/shared-schema.ts';

export const archiverConfigSchema = z.object({
  ...sharedSettings,
  http: httpSettings,
  consumer: consumerSettings.extend({
    maxBytesPerPartition: z.number().int().min(1_024),
    concurrency: z.number().int().min(1).max(64),
  }),
  snapshots: consumerSettings,
  partitions: z.object({
    aheadMonths: z.number().int().min(0).max(24),
    retentionMonths: z.number().int().min(0),
    checkIntervalMs: z.number().int().min(1_000),
  }),
  retry: z
    .object({
      initialBackoffMs: z.number().int().min(1),
      maxBackoffMs: z.number().int().min(1),
    })
    .refine((r) => r.maxBackoffMs >= r.initialBackoffMs, {
      message: 'maxBackoffMs must be at least initialBackoffMs',
    }),
});

export type ArchiverConfig = z.infer<typeof archiverConfigSchema>;

import { z } from 'zod';
import { consumerSettings, httpSettings, sharedSettings } from '../config/client/shared-schema.ts';
import {
  groupTimingShape,
  HEARTBEATS_FIT_SESSION,
  heartbeatsFitSession,
} from '../lib/kafka/group-timing.ts';

/**
 * How a cold-path fetch gathers: the broker answers once `minBytes` are there or after
 * `maxWaitTimeMs`, so at light load the archive is written in a few larger batches instead of
 * one per produced request (each batch costs a statement, a transaction and a commit).
 */
const gatheringSchema = z.object({
  minBytes: z.number().int().min(1),
  maxWaitTimeMs: z.number().int().min(0).max(10_000),
});

/** The gathering settings of one archiver consumer. */
export type FetchGathering = z.infer<typeof gatheringSchema>;

export const archiverConfigSchema = z.object({
  ...sharedSettings,
  http: httpSettings,
  consumer: consumerSettings
    .extend({
      maxBytesPerPartition: z.number().int().min(1_024),
      concurrency: z.number().int().min(1).max(64),
      ...gatheringSchema.shape,
      ...groupTimingShape,
    })
    .refine(heartbeatsFitSession, HEARTBEATS_FIT_SESSION),
  snapshots: consumerSettings
    .extend({ ...gatheringSchema.shape, ...groupTimingShape })
    .refine(heartbeatsFitSession, HEARTBEATS_FIT_SESSION),
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

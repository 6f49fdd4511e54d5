import { z } from 'zod';
import { consumerSettings, httpSettings, sharedSettings } from '../config/client/shared-schema.ts';
import {
  groupTimingShape,
  HEARTBEATS_FIT_SESSION,
  heartbeatsFitSession,
} from '../lib/kafka/group-timing.ts';
import { segmentsSchema } from '../schema/segments.ts';
import { identityPolicySchema } from './identity-policy.ts';
import { limitsSchema, worstCaseDocumentBytes } from './limits.ts';

export const processorConfigSchema = z
  .object({
    ...sharedSettings,
    http: httpSettings,
    consumer: consumerSettings
      .extend({
        maxWaitTimeMs: z.number().int().min(0).max(10_000),
        maxBytesPerPartition: z.number().int().min(1_024),
        partitionsConsumedConcurrently: z.number().int().min(1).max(100),
        ...groupTimingShape,
      })
      .refine(heartbeatsFitSession, HEARTBEATS_FIT_SESSION),
    sessions: z.object({
      timeoutMinutes: z
        .number()
        .positive()
        .max(24 * 60),
    }),
    segments: segmentsSchema,
    limits: limitsSchema,
    identity: identityPolicySchema,
    stateCheck: z
      .object({ intervalMs: z.number().int().min(100).max(600_000).default(5_000) })
      .default({ intervalMs: 5_000 }),
    // Defaulted, equal to processor.yml, so a configuration repository from before it works.
    recentActivity: z
      .object({
        size: z.number().int().min(0).max(1_000).default(50),
        ttlSeconds: z
          .number()
          .int()
          .min(1)
          .max(7 * 24 * 3_600)
          .default(3_600),
      })
      .default({ size: 50, ttlSeconds: 3_600 }),
  })
  // The bounds must add up: whatever a client sends, the document stays within documentBytes.
  .superRefine(({ limits, segments, identity }, context) => {
    const worst = worstCaseDocumentBytes(
      limits,
      segments.map((segment) => segment.name),
      identity.maxIdentifiers,
    );
    if (worst > limits.documentBytes)
      context.addIssue({
        code: 'custom',
        path: ['limits', 'documentBytes'],
        message: `the other limits allow documents of up to ${worst} bytes, more than documentBytes (${limits.documentBytes}): raise documentBytes (at most 524288) or lower the others`,
      });
  });

export type ProcessorConfig = z.infer<typeof processorConfigSchema>;

import { z } from 'zod';
import { consumerSettings, httpSettings, sharedSettings } from '../config/client/shared-schema.ts';
import { segmentsSchema } from '../schema/segments.ts';
import { limitsSchema, worstCaseDocumentBytes } from './limits.ts';

export const processorConfigSchema = z
  .object({
    ...sharedSettings,
    http: httpSettings,
    consumer: consumerSettings.extend({
      maxWaitTimeMs: z.number().int().min(0).max(10_000),
      maxBytesPerPartition: z.number().int().min(1_024),
      partitionsConsumedConcurrently: z.number().int().min(1).max(100),
      sessionTimeoutMs: z.number().int().min(6_000),
      heartbeatIntervalMs: z.number().int().min(100),
    }),
    sessions: z.object({
      timeoutMinutes: z
        .number()
        .positive()
        .max(24 * 60),
    }),
    segments: segmentsSchema,
    limits: limitsSchema,
  })
  // The bounds must add up: whatever a client sends, the document stays within documentBytes.
  .superRefine(({ limits, segments }, context) => {
    const worst = worstCaseDocumentBytes(
      limits,
      segments.map((segment) => segment.name),
    );
    if (worst > limits.documentBytes)
      context.addIssue({
        code: 'custom',
        path: ['limits', 'documentBytes'],
        message: `the other limits allow documents of up to ${worst} bytes, more than documentBytes (${limits.documentBytes}): raise documentBytes (at most 524288) or lower the others`,
      });
  });

export type ProcessorConfig = z.infer<typeof processorConfigSchema>;

import { z } from 'zod';
import {
  gatewaySignatureSettings,
  httpSettings,
  sharedSettings,
} from '../../config/client/shared-schema.ts';
import { subgraphProductionRules } from '../../config/client/production-safety-shared.ts';
import { withProductionRules } from '../../config/client/production-safety-rules.ts';
import { junkIdentifiersSetting } from '../../events/junk-identifiers.ts';

export const activityConfigSchema = withProductionRules(
  z.object({
    ...sharedSettings,
    http: httpSettings,
    ingest: z.object({
      produceTimeoutMs: z.number().int().min(100).max(60_000),
      junkIdentifiers: junkIdentifiersSetting,
    }),
    gatewaySignature: gatewaySignatureSettings,
    // Defaulted, equal to activity.yml, so a configuration repository from before it works.
    recentActivity: z
      .object({ readTimeoutMs: z.number().int().min(1).max(10_000).default(100) })
      .default({ readTimeoutMs: 100 }),
  }),
  subgraphProductionRules,
);
export type ActivityConfig = z.infer<typeof activityConfigSchema>;

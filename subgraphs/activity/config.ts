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
  }),
  subgraphProductionRules,
);
export type ActivityConfig = z.infer<typeof activityConfigSchema>;

import { z } from 'zod';
import {
  gatewaySignatureSettings,
  httpSettings,
  sharedSettings,
} from '../../config/client/shared-schema.ts';
import { subgraphProductionRules } from '../../config/client/production-safety-shared.ts';
import { withProductionRules } from '../../config/client/production-safety-rules.ts';

export const profileConfigSchema = withProductionRules(
  z.object({
    ...sharedSettings,
    http: httpSettings,
    gatewaySignature: gatewaySignatureSettings,
  }),
  subgraphProductionRules,
);
export type ProfileConfig = z.infer<typeof profileConfigSchema>;

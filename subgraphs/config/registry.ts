import type { z } from 'zod';
import { archiverConfigSchema } from '../../archiver/config.ts';
import { gatewayConfigSchema } from '../../gateway/config.ts';
import { processorConfigSchema } from '../../processor/config.ts';
import { activityConfigSchema } from '../activity/config.ts';
import { profileConfigSchema } from '../profile/config.ts';
import { configServiceConfigSchema } from './config.ts';

/**
 * Every PulseHub application and the zod schema its configuration must satisfy: setConfig
 * validates a change against these before committing it. A new service adds itself here.
 */
export const SERVICE_SCHEMAS: ReadonlyMap<string, z.ZodType> = new Map<string, z.ZodType>([
  ['gateway', gatewayConfigSchema],
  ['profile', profileConfigSchema],
  ['activity', activityConfigSchema],
  ['config', configServiceConfigSchema],
  ['processor', processorConfigSchema],
  ['archiver', archiverConfigSchema],
]);

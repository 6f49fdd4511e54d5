import { runService } from '../config/client/run-service.ts';
import { gatewayConfigSchema } from './config.ts';
import { createGatewayService } from './service.ts';

await runService('gateway', gatewayConfigSchema, createGatewayService);

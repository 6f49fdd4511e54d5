import { loadServiceConfig } from '../../config/client/load.ts';
import { archiverConfigSchema } from '../../archiver/config.ts';
import { createArchiverService } from '../../archiver/service.ts';
import { gatewayConfigSchema } from '../../gateway/config.ts';
import { createGatewayService, type GatewayDeps } from '../../gateway/service.ts';
import { createLogger } from '../../lib/logger.ts';
import { startService, stopService, type Service } from '../../lib/service.ts';
import { processorConfigSchema } from '../../processor/config.ts';
import { createProcessorService } from '../../processor/service.ts';
import { activityConfigSchema } from '../../subgraphs/activity/config.ts';
import { createActivityService } from '../../subgraphs/activity/service.ts';
import { configServiceConfigSchema } from '../../subgraphs/config/config.ts';
import { createConfigService } from '../../subgraphs/config/service.ts';
import { profileConfigSchema } from '../../subgraphs/profile/config.ts';
import { createProfileService } from '../../subgraphs/profile/service.ts';
import type { Sandbox } from './isolation.ts';

export interface RunningSystem {
  gatewayUrl: string;
  graphqlUrl: string;
  services: Record<string, Service>;
  /** Starts another gateway instance on the same subgraphs (stopped with the system). */
  startGateway(): Promise<Service>;
  stop(): Promise<void>;
}

/**
 * The whole system in this process, wired to a sandbox, every server on a free port. The same
 * factories as the real mains; only the configuration differs (no environment is read).
 */
export interface SystemOptions {
  /** The gateway's authenticator and upstream headers. */
  gateway?: GatewayDeps;
  /** Extra gateway settings (e.g. `{ subscriptions: { maxConnections: 5 } }`). */
  gatewayConfig?: Record<string, unknown>;
}

export async function startSystem(
  sandbox: Sandbox,
  options: SystemOptions = {},
): Promise<RunningSystem> {
  const load = <S extends Parameters<typeof loadServiceConfig>[1]>(
    app: string,
    schema: S,
    extra: Record<string, unknown> = {},
  ) =>
    loadServiceConfig(app, schema, {
      env: {},
      profiles: [],
      overrides: { ...sandbox.sharedOverrides, http: { host: '127.0.0.1', port: 0 }, ...extra },
    });
  const consumer = (name: string) => ({ consumer: { groupId: `${sandbox.id}-${name}` } });
  const started: Service[] = [];
  const start = async (service: Service): Promise<Service> => {
    await startService(service);
    started.push(service);
    return service;
  };
  const logger = (name: string) => createLogger(name, 'warn');

  const profile = await start(createProfileService(await load('profile', profileConfigSchema)));
  const activity = await start(createActivityService(await load('activity', activityConfigSchema)));
  const config = await start(createConfigService(await load('config', configServiceConfigSchema)));
  const processor = await start(
    createProcessorService(
      await load('processor', processorConfigSchema, consumer('processor')),
      logger('processor'),
    ),
  );
  const archiver = await start(
    createArchiverService(
      await load('archiver', archiverConfigSchema, consumer('archiver')),
      logger('archiver'),
    ),
  );
  const url = (service: Service) => `http://127.0.0.1:${service.http.port()}/graphql`;
  const subgraphs = { profile: url(profile), activity: url(activity), config: url(config) };
  const startGateway = async (): Promise<Service> =>
    start(
      createGatewayService(
        await load('gateway', gatewayConfigSchema, { subgraphs, ...options.gatewayConfig }),
        logger('gateway'),
        options.gateway,
      ),
    );
  const gateway = await startGateway();
  const gatewayUrl = `http://127.0.0.1:${gateway.http.port()}`;
  return {
    gatewayUrl,
    graphqlUrl: `${gatewayUrl}/graphql`,
    services: { profile, activity, config, processor, archiver, gateway },
    startGateway,
    async stop() {
      for (const service of started.reverse()) await stopService(service);
    },
  };
}

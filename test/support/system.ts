import { loadServiceConfig } from '../../config/client/load.ts';
import { mergeTrees } from '../../config/client/merge.ts';
import { archiverConfigSchema } from '../../archiver/config.ts';
import { createArchiverService } from '../../archiver/service.ts';
import { gatewayConfigSchema } from '../../gateway/config.ts';
import { createGatewayService } from '../../gateway/service.ts';
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
import { bearer, createTestKeys, type TestKeys } from './auth.ts';
import { graphql } from './http.ts';
import type { Sandbox } from './isolation.ts';

export interface RunningSystem {
  gatewayUrl: string;
  graphqlUrl: string;
  services: Record<string, Service>;
  /** The key pair the gateway trusts, to mint tokens with any scopes. */
  auth: TestKeys;
  /** A token with every scope (what `npm start` prints). */
  adminToken: string;
  /** A GraphQL request through the gateway with the admin token (or `token`). */
  query<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ): ReturnType<typeof graphql<T>>;
  /** Another gateway on these subgraphs, e.g. with the production profile. */
  startGateway(options?: GatewayOptions): Promise<{ url: string; service: Service }>;
  stop(): Promise<void>;
}

export interface GatewayOptions {
  /** Configuration profiles, e.g. ['production']. */
  profiles?: string[];
  /** Settings applied last. */
  overrides?: Record<string, unknown>;
}

export interface SystemOptions {
  /** Settings for the gateway, applied last. */
  gateway?: Record<string, unknown>;
}

/**
 * The whole system in this process, wired to a sandbox, every server on a free port. The same
 * factories as the real mains; only the configuration differs (no environment is read).
 */
export async function startSystem(
  sandbox: Sandbox,
  options: SystemOptions = {},
): Promise<RunningSystem> {
  const auth = await createTestKeys();
  const load = <S extends Parameters<typeof loadServiceConfig>[1]>(
    app: string,
    schema: S,
    extra: Record<string, unknown> = {},
    profiles: string[] = [],
  ) =>
    loadServiceConfig(app, schema, {
      env: {},
      profiles,
      overrides: mergeTrees(
        sandbox.sharedOverrides,
        { http: { host: '127.0.0.1', port: 0 } },
        extra,
      ),
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
  const startGateway = async (gatewayOptions: GatewayOptions = {}) => {
    const service = await start(
      createGatewayService(
        await load(
          'gateway',
          gatewayConfigSchema,
          mergeTrees(
            {
              subgraphs: { profile: url(profile), activity: url(activity), config: url(config) },
              ...auth.gatewayAuth,
            },
            options.gateway ?? {},
            gatewayOptions.overrides ?? {},
          ),
          gatewayOptions.profiles,
        ),
        logger('gateway'),
      ),
    );
    return { url: `http://127.0.0.1:${service.http.port()}`, service };
  };
  const { url: gatewayUrl, service: gateway } = await startGateway();
  const adminToken = await auth.token();
  const graphqlUrl = `${gatewayUrl}/graphql`;
  return {
    gatewayUrl,
    graphqlUrl,
    services: { profile, activity, config, processor, archiver, gateway },
    auth,
    adminToken,
    query: (query, variables = {}, token = adminToken) =>
      graphql(graphqlUrl, query, variables, bearer(token)),
    startGateway,
    async stop() {
      for (const service of started.reverse()) await stopService(service);
    },
  };
}

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { z } from 'zod';
import { loadLiveConfig, type LoadedConfig } from '../../config/client/client.ts';
import type { LiveConfig } from '../../config/client/live.ts';
import { loadServiceConfig } from '../../config/client/load.ts';
import { mergeTrees } from '../../config/client/merge.ts';
import { isProduction } from '../../config/client/production-safety.ts';
import { archiverConfigSchema } from '../../archiver/config.ts';
import { createArchiverService } from '../../archiver/service.ts';
import { gatewayConfigSchema } from '../../gateway/config.ts';
import { createGatewayService } from '../../gateway/service.ts';
import { createLogger, type Logger } from '../../lib/logger.ts';
import { startService, stopService, type Service } from '../../lib/service.ts';
import { processorConfigSchema } from '../../processor/config.ts';
import { createProcessorService } from '../../processor/service.ts';
import { activityConfigSchema } from '../../subgraphs/activity/config.ts';
import { createActivityService } from '../../subgraphs/activity/service.ts';
import {
  configServiceConfigSchema,
  type ConfigServiceConfig,
} from '../../subgraphs/config/config.ts';
import { createConfigService } from '../../subgraphs/config/service.ts';
import { profileConfigSchema } from '../../subgraphs/profile/config.ts';
import { createProfileService } from '../../subgraphs/profile/service.ts';
import { bearer, createTestKeys, type TestKeys } from './auth.ts';
import { graphql } from './http.ts';
import type { Sandbox } from './isolation.ts';
import { productionSecret, safeProductionSettings } from './production.ts';

export interface RunningSystem {
  gatewayUrl: string;
  graphqlUrl: string;
  /** Base URL of the config service (its HTTP config endpoint is `${configUrl}/config/...`). */
  configUrl: string;
  /** The sandbox's configuration git repository (a working repository, branch main). */
  configRepo: string;
  /** The encryption key of the sandbox's config service (`encrypt.key`). */
  encryptKey: string;
  /** What the config endpoint accepts (`auth`; the services send the same by default). */
  configAuth: ConfigServiceConfig['auth'];
  services: Record<string, Service>;
  /** Each service's live configuration, as its factory received it. */
  live: Record<string, LiveConfig<unknown>>;
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
  /** Logger per service; default: level warn on stdout. */
  logger?(service: string): Logger;
  /** Extra config service settings (e.g. `repository.pollIntervalMs`). */
  configService?: Record<string, unknown>;
}

/**
 * The whole system in this process, wired to a sandbox, every server on a free port. The same
 * factories as the real mains, and the same configuration path: the config service starts
 * first (its repository a fresh git repository seeded from config/), then every other service
 * loads its configuration from it through the config client and follows its changes. The
 * sandbox's settings are pinned as overrides (no environment is read).
 */
export async function startSystem(
  sandbox: Sandbox,
  options: SystemOptions = {},
): Promise<RunningSystem> {
  const auth = await createTestKeys();
  const logger = options.logger ?? ((name: string) => createLogger(name, 'warn'));
  const scratch = await mkdtemp(path.join(os.tmpdir(), `pulsehub-${sandbox.id}-`));
  const configRepo = path.join(scratch, 'config-repo');
  const encryptKey = randomBytes(24).toString('base64');
  const started: Array<{ stop(): Promise<void> }> = [];
  const start = async (service: Service): Promise<Service> => {
    await startService(service);
    started.push({ stop: () => stopService(service) });
    return service;
  };

  const configSettings = await loadServiceConfig('config', configServiceConfigSchema, {
    env: {},
    profiles: [],
    overrides: {
      ...sandbox.sharedOverrides,
      http: { host: '127.0.0.1', port: 0 },
      repository: { path: configRepo, pollIntervalMs: 0 },
      encrypt: { key: encryptKey },
      // Beside the development Basic credential: what a production-profile service sends.
      auth: { token: productionSecret() },
      ...options.configService,
    },
  });
  const config = await start(createConfigService(configSettings, logger('config')));
  const configUrl = `http://127.0.0.1:${config.http.port()}`;

  const live: Record<string, LiveConfig<unknown>> = {};
  /** The production path: configuration from the config service, kept live. */
  const load = async <S extends z.ZodType>(
    app: string,
    schema: S,
    extra: Record<string, unknown> = {},
    profiles: string[] = [],
  ): Promise<LoadedConfig<z.infer<S>>> => {
    const loaded = await loadLiveConfig(app, schema, {
      env: {},
      profiles,
      logger: logger(app),
      overrides: mergeTrees(
        sandbox.sharedOverrides,
        {
          http: { host: '127.0.0.1', port: 0 },
          configServer: { url: configUrl, retry: { attempts: 3 } },
        },
        extra,
      ),
    });
    if (loaded.origin !== 'config-service')
      throw new Error(`${app} did not load from the config service`);
    await loaded.component.start();
    started.push({ stop: () => loaded.component.stop() });
    live[app] = loaded.live as LiveConfig<unknown>;
    return loaded;
  };
  /** Starts a service built from its loaded configuration, as runService does. */
  const run = async (loaded: LoadedConfig<unknown>, service: Service): Promise<Service> => {
    loaded.registerMetrics(service.http.metrics);
    return start(service);
  };
  const consumer = (name: string) => ({ consumer: { groupId: `${sandbox.id}-${name}` } });

  try {
    const profileConfig = await load('profile', profileConfigSchema);
    const profile = await run(
      profileConfig,
      createProfileService(profileConfig.config, logger('profile')),
    );
    const activityConfig = await load('activity', activityConfigSchema);
    const activity = await run(
      activityConfig,
      createActivityService(activityConfig.config, activityConfig.live),
    );
    const processorConfig = await load('processor', processorConfigSchema, consumer('processor'));
    const processor = await run(
      processorConfig,
      createProcessorService(processorConfig.config, logger('processor'), processorConfig.live),
    );
    const archiverConfig = await load('archiver', archiverConfigSchema, {
      ...consumer('archiver'),
      snapshots: { groupId: `${sandbox.id}-archiver-snapshots` },
    });
    const archiver = await run(
      archiverConfig,
      createArchiverService(archiverConfig.config, logger('archiver')),
    );
    const url = (service: Service) => `http://127.0.0.1:${service.http.port()}/graphql`;
    const startGateway = async (gatewayOptions: GatewayOptions = {}) => {
      const gatewayConfig = await load(
        'gateway',
        gatewayConfigSchema,
        mergeTrees(
          {
            subgraphs: { profile: url(profile), activity: url(activity), config: url(config) },
            ...auth.gatewayAuth,
            // Every test client connects from 127.0.0.1: per-address limits sized for one real
            // client would refuse a test's thousand subscribers. Tests of the limits set them.
            subscriptions: {
              maxConnectionsPerAddress: 100_000,
              connectionsPerAddressPerSecond: 100_000,
              connectionBurstPerAddress: 100_000,
            },
            // The gateway trusts the test keys, not the development key development sign-in
            // signs with; the dashboard's tests turn it on with the development key.
            dashboard: { devSignIn: false },
          },
          isProduction(gatewayOptions.profiles ?? [])
            ? safeProductionSettings('gateway', { configServerToken: configSettings.auth.token })
            : {},
          options.gateway ?? {},
          gatewayOptions.overrides ?? {},
        ),
        gatewayOptions.profiles,
      );
      const service = await run(
        gatewayConfig,
        createGatewayService(gatewayConfig.config, logger('gateway'), gatewayConfig.live),
      );
      return { url: `http://127.0.0.1:${service.http.port()}`, service };
    };
    const { url: gatewayUrl, service: gateway } = await startGateway();
    const adminToken = await auth.token();
    const graphqlUrl = `${gatewayUrl}/graphql`;
    return {
      gatewayUrl,
      graphqlUrl,
      configUrl,
      configRepo,
      encryptKey,
      configAuth: configSettings.auth,
      services: { profile, activity, config, processor, archiver, gateway },
      live,
      auth,
      adminToken,
      query: (query, variables = {}, token = adminToken) =>
        graphql(graphqlUrl, query, variables, bearer(token)),
      startGateway,
      async stop() {
        for (const part of started.reverse()) await part.stop();
        await rm(scratch, { recursive: true, force: true });
      },
    };
  } catch (error) {
    for (const part of started.reverse()) await part.stop().catch(() => undefined);
    await rm(scratch, { recursive: true, force: true });
    throw error;
  }
}

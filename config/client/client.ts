import { Counter, Gauge, type Registry } from 'prom-client';
import { z } from 'zod';
import type { Component } from '../../lib/lifecycle.ts';
import { redisAddressSetting } from '../../lib/redis-address.ts';
import { redisLayout } from '../../schema/redis-keys.ts';
import { createConfigBus, noticeConcerns } from './bus.ts';
import { createLiveConfig, type ConfigLogger, type LiveConfig } from './live.ts';
import {
  activeProfiles,
  ConfigError,
  describeIssues,
  layerSources,
  resolveConfig,
  type LoadOptions,
} from './load.ts';
import { ConfigServerError, fetchRemoteEnvironment, withRetry } from './remote.ts';
import { configServerSettings, type ConfigServerSettings } from './shared-schema.ts';
import { DEFAULT_CONFIG_DIR, readLocalSources, type PropertySource } from './sources.ts';

export interface ConfigClientOptions extends LoadOptions {
  logger: ConfigLogger;
  /**
   * Whether to load from the config service at start. Default true; the config service itself
   * passes false (it cannot ask itself before it runs) and still follows changes afterwards.
   */
  remoteAtStart?: boolean;
}

export type ConfigOrigin = 'config-service' | 'local-files';

export interface LoadedConfig<T> {
  /** The validated configuration at start. */
  config: T;
  live: LiveConfig<T>;
  origin: ConfigOrigin;
  /** Subscribes to change notices (and retries the config service after a fallback). */
  component: Component;
  /** Adds the client's metrics to the service's registry. */
  registerMetrics(registry: Registry): void;
}

/** The settings needed before the configuration itself can be loaded. */
const bootstrapSchema = z.object({
  configServer: configServerSettings,
  redis: z.object({ url: redisAddressSetting, keyPrefix: z.string() }),
});

type ReloadResult = 'applied' | 'unchanged' | 'rejected' | 'failed';

/**
 * Loads a service's configuration the Spring Cloud Config way and keeps it current:
 *  1. bootstrap settings (`configServer.*`, `redis.*`) from the local files + environment;
 *  2. the configuration from the config service, retried with backoff; when it stays
 *     unreachable, the local files (or exit, with `configServer.failFast`);
 *  3. environment overrides, explicit overrides, validation with the service's zod schema
 *     and, under the production profile, its production rules (production-safety.ts);
 *  4. then every change notice on the Redis config channel re-fetches, validates and applies
 *     it; an invalid or production-unsafe change is rejected (logged, counted) and the
 *     previous one stays.
 */
export async function loadLiveConfig<S extends z.ZodType>(
  application: string,
  schema: S,
  options: ConfigClientOptions,
): Promise<LoadedConfig<z.infer<S>>> {
  const { logger } = options;
  const env = options.env ?? process.env;
  const profiles = options.profiles ?? activeProfiles(env);
  const overrides = options.overrides ?? {};
  const localSources = await readLocalSources(
    options.dir ?? DEFAULT_CONFIG_DIR,
    application,
    profiles,
  );
  const bootstrapParsed = bootstrapSchema.safeParse(layerSources(localSources, env, overrides));
  if (!bootstrapParsed.success)
    throw new ConfigError(
      `invalid configuration for ${application}:\n${describeIssues(bootstrapParsed.error.issues)}`,
    );
  const bootstrap = bootstrapParsed.data;
  const server: ConfigServerSettings = bootstrap.configServer;
  const resolve = (sources: readonly PropertySource[]) =>
    resolveConfig(application, schema, sources, env, overrides, profiles);
  // As in Spring, the service's own files stay the lowest layer under what the config service
  // serves: a setting a newer version adds has its default before the repository has it.
  const resolveRemote = (sources: readonly PropertySource[]) =>
    resolve([...localSources, ...sources]);
  const fetchOnce = () => fetchRemoteEnvironment(server, application, profiles);

  let origin: ConfigOrigin = 'local-files';
  let config: z.infer<S>;
  let version: string | undefined;
  if (server.enabled && options.remoteAtStart !== false) {
    try {
      // Services usually start beside the config service: early failures are expected.
      const remote = await withRetry(server.retry, fetchOnce, (error, attempt) =>
        logger.debug({ attempt, err: error.message }, 'config service request failed'),
      );
      config = resolveRemote(remote.sources);
      version = remote.version;
      origin = 'config-service';
    } catch (error) {
      if (!(error instanceof ConfigServerError)) throw error;
      if (server.failFast || !error.retryable)
        throw new ConfigError(
          `cannot load the configuration of ${application} from the config service` +
            `${server.failFast ? ' (configServer.failFast)' : ''}: ${error.message}`,
        );
      logger.warn(
        { url: server.url, err: error.message },
        'config service unreachable; starting from the local configuration files',
      );
      config = resolve(localSources);
    }
  } else {
    config = resolve(localSources);
  }

  const live = createLiveConfig(config, version, logger);
  const reloads = new Counter({
    name: 'pulsehub_config_reloads_total',
    help: 'Configuration reloads after a change notice, by result (applied, unchanged, rejected, failed).',
    labelNames: ['result'],
    registers: [],
  });
  const info = new Gauge({
    name: 'pulsehub_config_info',
    help: 'The configuration in force: its commit (version) and where it came from (value 1).',
    labelNames: ['version', 'origin'],
    registers: [],
  });
  const showInfo = () => {
    info.reset();
    info.set({ version: live.version() ?? 'local', origin }, 1);
  };
  showInfo();

  /** One re-fetch; a single refresh runs at a time and a notice during it queues one more. */
  async function reloadOnce(reason: string, background: boolean): Promise<ReloadResult> {
    let remote;
    try {
      remote = await withRetry({ ...server.retry, attempts: background ? 1 : 3 }, fetchOnce);
    } catch (error) {
      // A background retry after a fallback is expected to fail until the service is back.
      (background ? logger.debug : logger.error).call(
        logger,
        { reason, err: (error as Error).message },
        'configuration reload failed',
      );
      return 'failed';
    }
    let next: z.infer<S>;
    try {
      next = resolveRemote(remote.sources);
    } catch (error) {
      // The previous configuration stays in force.
      logger.error(
        { reason, version: remote.version, err: (error as Error).message },
        'configuration change rejected; keeping the configuration in force',
      );
      return 'rejected';
    }
    if (origin === 'local-files' && options.remoteAtStart !== false)
      logger.info({ version: remote.version }, 'config service reachable again; following it');
    origin = 'config-service';
    const outcome = live.apply(next, remote.version);
    showInfo();
    return outcome.status;
  }
  let running: Promise<void> | undefined;
  let again = false;
  function reload(reason: string, background = false): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let quiet = background;
      do {
        again = false;
        const result = await reloadOnce(reason, quiet);
        if (!(quiet && result === 'failed')) reloads.inc({ result });
        quiet = false; // a notice arrived meanwhile: a real reload
      } while (again);
      running = undefined;
    })();
    return running;
  }

  const bus = createConfigBus({
    redisUrl: bootstrap.redis.url,
    channel: redisLayout(bootstrap.redis.keyPrefix).configChannel,
    logger,
    onNotice: (notice) => {
      if (!noticeConcerns(notice, application)) return;
      logger.debug(
        { version: notice.version, origin: notice.origin },
        'configuration notice received',
      );
      void reload(`${notice.origin} ${notice.version}`);
    },
    onSubscribed: () => {
      // Notices sent before the subscription was in place would be lost otherwise.
      if (origin === 'config-service') void reload('subscribed');
    },
  });

  // After a fallback, keep asking in the background and switch over once the service answers.
  let retryTimer: NodeJS.Timeout | undefined;
  const retryInBackground = () => {
    retryTimer = setTimeout(
      () => {
        void reload('config service retry', true).then(() => {
          if (origin === 'local-files') retryInBackground();
        });
      },
      Math.max(server.retry.maxDelayMs, 100),
    );
    retryTimer.unref();
  };

  const component: Component = {
    name: 'config-client',
    async start() {
      if (!server.enabled) return;
      await bus.start();
      if (origin === 'local-files' && options.remoteAtStart !== false) retryInBackground();
    },
    async stop() {
      clearTimeout(retryTimer);
      if (server.enabled) await bus.stop();
      await running;
    },
    ready: () => Promise.resolve(true),
  };

  return {
    config,
    live,
    get origin() {
      return origin;
    },
    component,
    registerMetrics(registry) {
      registry.registerMetric(reloads);
      registry.registerMetric(info);
    },
  };
}

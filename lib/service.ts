import type { z } from 'zod';
import { loadLiveConfig } from '../config/client/client.ts';
import type { LiveConfig } from '../config/client/live.ts';
import type { LogLevelSetting } from '../config/client/shared-schema.ts';
import type { ServiceServer } from './http/service-server.ts';
import { runUntilSignalled, type Component } from './lifecycle.ts';
import { createLogger, followLogLevel, type Logger } from './logger.ts';

/** A deployable service assembled from its parts, started in order and stopped in reverse. */
export interface Service {
  components: Component[];
  http: ServiceServer;
}

/**
 * The shape of every service's `main.ts`: load and validate its configuration (from the
 * config service, falling back to the local files unless `configServer.failFast`), build the
 * service, run until signalled. `live` follows configuration changes while the service runs;
 * the log level follows it for every service.
 */
export async function runService<S extends z.ZodType<{ log: { level: LogLevelSetting } }>>(
  application: string,
  schema: S,
  build: (
    config: z.infer<S>,
    logger: Logger,
    live: LiveConfig<z.infer<S>>,
  ) => Promise<Service> | Service,
): Promise<void> {
  const logger = createLogger(application);
  let loaded;
  try {
    loaded = await loadLiveConfig(application, schema, {
      logger,
      // The config service serves configuration; it reads its own from the local files.
      remoteAtStart: application !== 'config',
    });
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
  followLogLevel(logger, loaded.live);
  logger.info({ origin: loaded.origin, version: loaded.live.version() }, 'configuration loaded');
  const service = await build(loaded.config, logger, loaded.live);
  loaded.registerMetrics(service.http.metrics);
  await runUntilSignalled([loaded.component, ...service.components], logger);
}

/** Starts a service's components in order (tests and embedders; mains use runService). */
export async function startService(service: Service): Promise<void> {
  for (const component of service.components) await component.start();
}

export async function stopService(service: Service): Promise<void> {
  for (const component of [...service.components].reverse()) await component.stop();
}

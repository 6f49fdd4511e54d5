import type { LevelWithSilent } from 'pino';
import type { z } from 'zod';
import {
  exitOnUncaughtErrors,
  exitUnlessStartedWithin,
  runUntilSignalled,
  START_DEADLINE_MS,
} from '../../lib/lifecycle.ts';
import { createLogger, type Logger } from '../../lib/logger.ts';
import type { Service } from '../../lib/service.ts';
import { loadLiveConfig } from './client.ts';
import type { LiveConfig } from './live.ts';
import type { LogLevelSetting } from './shared-schema.ts';

/**
 * The shape of every service's `main.ts`: load and validate its configuration (from the
 * config service, falling back to the local files unless `configServer.failFast`), build the
 * service, run until signalled. `live` follows configuration changes while the service runs;
 * the log level follows it for every service.
 *
 * A fault the service cannot recover from ends the process with exit code 1 and a log line,
 * never a process that stays up unready: a configuration that does not load or validate, a
 * build or start that fails or does not finish within START_DEADLINE_MS, an uncaught error.
 * Its supervisor (`npm start`, Kubernetes) then starts it again.
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
  exitOnUncaughtErrors(logger);
  const deadline = exitUnlessStartedWithin(START_DEADLINE_MS, logger);
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
  let service: Service;
  try {
    service = await build(loaded.config, logger, loaded.live);
  } catch (error) {
    // Nothing was started yet (components start below): there is nothing to stop.
    logger.fatal({ err: error }, 'building the service failed; exiting');
    process.exit(1);
  }
  loaded.registerMetrics(service.http.metrics);
  await runUntilSignalled([loaded.component, ...service.components], logger);
  deadline.started();
}

/** Keeps the logger's level equal to the live `log.level` setting. */
export function followLogLevel(
  logger: Logger,
  live: LiveConfig<{ log: { level: LevelWithSilent } }>,
): void {
  logger.level = live.current().log.level;
  live.onChange(
    (next) => {
      logger.level = next.log.level;
    },
    ['log.level'],
  );
}

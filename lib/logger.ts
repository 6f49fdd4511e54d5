import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import type { LiveConfig } from '../config/client/live.ts';

export type { Logger };

/**
 * One JSON logger per process; `service` tags every line so merged logs stay attributable.
 * `destination` defaults to stdout (tests pass a stream to read the lines).
 */
export function createLogger(
  service: string,
  level: LevelWithSilent = 'info',
  destination?: DestinationStream,
): Logger {
  const options = { name: service, level, base: { service } };
  return destination === undefined ? pino(options) : pino(options, destination);
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

import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

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

import type { Logger } from './logger.ts';

/** What every stateful part of a service exposes: the supervisor composes these. */
export interface Component {
  /** Human-readable name used in logs and readiness answers. */
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves true while the component can do its work (its dependencies answer). */
  ready(): Promise<boolean>;
}

/**
 * Starts components in order, stops them in reverse order on SIGINT/SIGTERM, and exits.
 * A second signal forces the exit so an operator is never stuck behind a hung shutdown.
 */
export async function runUntilSignalled(components: Component[], logger: Logger): Promise<void> {
  let stopping = false;
  const stopAll = async (reason: string, exitCode: number): Promise<void> => {
    if (stopping) {
      logger.warn({ reason }, 'forced exit');
      process.exit(exitCode || 1);
    }
    stopping = true;
    logger.info({ reason }, 'stopping');
    for (const component of [...components].reverse()) {
      try {
        await component.stop();
      } catch (error) {
        logger.error({ err: error, component: component.name }, 'stop failed');
      }
    }
    logger.info('stopped');
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void stopAll('SIGINT', 0));
  process.on('SIGTERM', () => void stopAll('SIGTERM', 0));
  try {
    for (const component of components) {
      await component.start();
      logger.info({ component: component.name }, 'started');
    }
  } catch (error) {
    logger.error({ err: error }, 'start failed');
    await stopAll('start failed', 1);
  }
}

/** True when every component reports ready; a throwing check counts as not ready. */
export async function allReady(components: readonly Component[]): Promise<boolean> {
  const answers = await Promise.all(components.map((c) => c.ready().catch(() => false)));
  return answers.every(Boolean);
}

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
 * A service that has not finished starting by then never will by itself (a dependency that
 * accepts connections but never answers): it exits 1 so that its supervisor starts it again.
 * Generous: a consumer's group join waits out a dead member's session (6 s), Kafka's connect
 * retries take about 25 s before they give up.
 */
export const START_DEADLINE_MS = 60_000; // 1 minute

/**
 * Longest the components may take to stop before the process exits without them. Each
 * consumer bounds its own leave (5 s per step); this only catches a stop that hangs, which
 * would otherwise leave a process up and useless after a failed start.
 */
export const STOP_DEADLINE_MS = 30_000; // 30 seconds

export interface LifecycleDeadlines {
  startDeadlineMs?: number;
  stopDeadlineMs?: number;
}

/**
 * Exits 1 unless `started()` is called within `ms`. Nothing is stopped: whatever hung the
 * start would hang the stop as well, and a crashed member's partitions move after its session.
 */
export function exitUnlessStartedWithin(ms: number, logger: Logger): { started(): void } {
  const timer = setTimeout(() => {
    logger.fatal({ deadlineMs: ms }, 'start did not finish in time; exiting for a restart');
    process.exit(1);
  }, ms);
  return { started: () => clearTimeout(timer) };
}

/**
 * An error no code caught leaves the service in a state nobody planned for: log it in the
 * service's own format and exit 1 (Node's default exit code for it) so a supervisor restarts it.
 */
export function exitOnUncaughtErrors(logger: Logger): void {
  const fail = (kind: string) => (error: unknown) => {
    logger.fatal({ err: error }, `${kind}; exiting for a restart`);
    process.exit(1);
  };
  process.on('uncaughtException', fail('uncaught exception'));
  process.on('unhandledRejection', fail('unhandled promise rejection'));
}

/**
 * Starts components in order, stops them in reverse order on SIGINT/SIGTERM, and exits.
 * A second signal forces the exit so an operator is never stuck behind a hung shutdown; a stop
 * that outlasts `stopDeadlineMs` exits as well (code 1), so a failed start never leaves the
 * process running. Resolves once every component started.
 */
export async function runUntilSignalled(
  components: Component[],
  logger: Logger,
  deadlines: LifecycleDeadlines = {},
): Promise<void> {
  const stopDeadlineMs = deadlines.stopDeadlineMs ?? STOP_DEADLINE_MS;
  let stopping = false;
  const stopAll = async (reason: string, exitCode: number): Promise<void> => {
    if (stopping) {
      logger.warn({ reason }, 'forced exit');
      process.exit(exitCode || 1);
    }
    stopping = true;
    logger.info({ reason }, 'stopping');
    setTimeout(() => {
      logger.error({ reason, deadlineMs: stopDeadlineMs }, 'stop did not finish in time; exiting');
      process.exit(exitCode || 1);
    }, stopDeadlineMs);
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

import type { Consumer } from 'kafkajs';
import { settlesWithin } from '../deadline.ts';
import type { Logger } from '../logger.ts';

/** How long a consumer may take to leave its group before a stop moves on without it. */
export const DEFAULT_LEAVE_TIMEOUT_MS = 5_000; // 5 seconds

/**
 * Disconnects a consumer, but never waits longer than `timeoutMs`. kafkajs waits for a group
 * join in progress to finish before it leaves, and a join after a crashed member waits for
 * that member's session to expire (30 s by default), so an unbounded disconnect can hold a
 * SIGTERM for that long. Giving up is safe: offsets are committed only after the sink
 * acknowledged, and the coordinator expires the membership on its own.
 */
export async function disconnectWithin(
  consumer: Consumer,
  timeoutMs: number,
  logger: Logger,
  name: string,
): Promise<void> {
  const inTime = await settlesWithin(
    consumer.disconnect().catch((error: unknown) => {
      logger.warn({ err: error, component: name }, 'consumer disconnect failed');
    }),
    timeoutMs,
  );
  if (!inTime)
    logger.warn(
      { component: name, timeoutMs },
      'consumer did not leave its group in time; stopping without it',
    );
}

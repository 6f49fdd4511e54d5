import type { Component } from '../lib/lifecycle.ts';
import type { Logger } from '../lib/logger.ts';
import { isPostgresUnavailable } from '../lib/postgres-errors.ts';

/** The archive's schema, applied before the first write even when PostgreSQL starts late. */
export interface SchemaGate extends Component {
  /** Throws until the migrations are applied, so a write waiting on them is retried. */
  ensureApplied(): void;
}

export interface SchemaGateOptions {
  migrate(): Promise<void>;
  logger: Logger;
  retry: { initialBackoffMs: number; maxBackoffMs: number };
}

/**
 * Applies the migrations at start; when PostgreSQL is unreachable or hanging then, the
 * archiver starts anyway (unready) and keeps trying in the background, so an instance can
 * join its consumer groups during an outage and take partitions over, as the sinks' retries
 * hold its batches until PostgreSQL is back. A migration PostgreSQL refuses for what it is
 * (not for being down) fails the start: retrying cannot fix it.
 */
export function createSchemaGate(options: SchemaGateOptions): SchemaGate {
  const { logger, retry } = options;
  let applied = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  async function attempt(): Promise<void> {
    await options.migrate();
    applied = true;
  }

  function retryLater(delayMs: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      attempt().then(
        () => logger.info('archive migrations applied'),
        (error: unknown) => {
          logger.warn({ err: error, retryInMs: delayMs }, 'archive migrations failed; retrying');
          retryLater(Math.min(delayMs * 2, retry.maxBackoffMs));
        },
      );
    }, delayMs);
  }

  return {
    name: 'archive-schema',
    async start() {
      stopped = false;
      try {
        await attempt();
      } catch (error) {
        if (!isPostgresUnavailable(error)) throw error;
        logger.warn({ err: error }, 'PostgreSQL unavailable at start; migrations deferred');
        retryLater(retry.initialBackoffMs);
      }
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      return Promise.resolve();
    },
    ready: () => Promise.resolve(applied),
    ensureApplied() {
      if (!applied) throw new Error('the archive migrations are not applied yet');
    },
  };
}

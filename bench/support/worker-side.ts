import { inspect } from 'node:util';
import type { Message } from './worker.ts';

/**
 * The load generator's side of the channel (see worker.ts): its settings, messages to the
 * benchmark, and the benchmark's messages by type.
 */
export interface WorkerChannel<Settings> {
  settings: Promise<Settings>;
  /** Sends; `then` runs once the message was handed to the benchmark. */
  send(message: Message & Record<string, unknown>, then?: () => void): void;
  next(type: string): Promise<Message & Record<string, unknown>>;
}

export function workerChannel<Settings>(): WorkerChannel<Settings> {
  const inbox: Array<Message & Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  process.on('message', (message: Message & Record<string, unknown>) => {
    inbox.push(message);
    for (const wake of waiters.splice(0)) wake();
  });
  // The benchmark went away: nothing left to report to.
  process.on('disconnect', () => process.exit(0));
  const next = async (type: string) => {
    for (;;) {
      const index = inbox.findIndex((message) => message.type === type);
      if (index !== -1) return inbox.splice(index, 1)[0] as Message & Record<string, unknown>;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return {
    settings: next('settings').then((message) => message['settings'] as Settings),
    send: (message, then) => process.send?.(message, undefined, {}, () => then?.()),
    next,
  };
}

/** A worker whose whole job is one result: runs `work` with the settings and reports. */
export function runAsWorker<Settings, Result>(work: (settings: Settings) => Promise<Result>): void {
  const channel = workerChannel<Settings>();
  channel.settings
    .then(work)
    // Exits once the answer is delivered: clients it left open must not keep it alive.
    .then((result) => channel.send({ type: 'result', result }, () => process.exit(0)))
    .catch((error: unknown) => reportFailure(channel, error));
}

/** Tells the benchmark why the worker failed, then exits. */
export function reportFailure(channel: WorkerChannel<unknown>, error: unknown): void {
  const message = error instanceof Error ? error.message : inspect(error);
  const stack = error instanceof Error ? error.stack : undefined;
  channel.send({ type: 'error', message, ...(stack ? { stack } : {}) }, () => process.exit(1));
}

import { OUTPUT_TAIL, spawnNode, type NodeProcess } from '../../scripts/node-process.ts';

/** Every message between the benchmark and a load generator carries a type. */
export interface Message {
  type: string;
}

interface ErrorMessage {
  type: 'error';
  message: string;
  stack?: string;
}

/**
 * The benchmark's side of a load generator running in its own process, so that generating
 * load never competes with the measuring process's event loop and is easy to account for.
 */
export interface WorkerHandle<Out extends Message> {
  readonly process: NodeProcess;
  send(message: Message): void;
  /** The next message of `type`; rejects when the worker reports an error or exits first. */
  next<T extends Out['type']>(type: T, timeoutMs?: number): Promise<Extract<Out, { type: T }>>;
  stop(): Promise<void>;
}

export async function startWorker<Out extends Message>(
  entry: string,
  settings: unknown,
  name = entry,
): Promise<WorkerHandle<Out>> {
  const process = await spawnNode({ name, entry, ipc: true, outputLimit: OUTPUT_TAIL });
  const { child } = process;
  const inbox: Message[] = [];
  const waiters = new Set<() => void>();
  let ended: string | undefined;
  child.on('message', (message: Message) => {
    inbox.push(message);
    for (const wake of waiters) wake();
  });
  child.on('exit', (code, signal) => {
    ended = `${name} exited (${signal ?? code}) before answering:\n${process.output()}`;
    for (const wake of waiters) wake();
  });
  child.send({ type: 'settings', settings });

  return {
    process,
    send: (message) => child.send(message),
    async next(type, timeoutMs = 600_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const failure = inbox.find((message): message is ErrorMessage => message.type === 'error');
        if (failure) {
          const error = new Error(`${name}: ${failure.message}`);
          if (failure.stack) error.stack = `${error.message}\n${failure.stack}`;
          throw error;
        }
        const index = inbox.findIndex((message) => message.type === type);
        if (index !== -1) return inbox.splice(index, 1)[0] as Extract<Out, { type: typeof type }>;
        if (ended !== undefined) throw new Error(ended);
        if (Date.now() > deadline) throw new Error(`${name}: no ${type} within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(wake, Math.max(0, deadline - Date.now()) + 1);
          waiters.add(wake);
        });
      }
    },
    stop: () => process.stop(),
  };
}

/** Starts a worker, waits for its `result`, and stops it. */
export async function runWorker<Result>(
  entry: string,
  settings: unknown,
  name?: string,
): Promise<Result> {
  const worker = await startWorker<{ type: 'result'; result: Result }>(entry, settings, name);
  try {
    return (await worker.next('result')).result;
  } finally {
    await worker.stop();
  }
}

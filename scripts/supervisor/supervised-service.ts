// A service kept running, as a process manager or Kubernetes would: whenever its process dies
// (any exit the supervisor did not ask for) it is started again after a backoff, the death
// logged with its exit code or signal and the restart counted. Only stop() ends that.
import type { ExitInfo, ServiceChild, SpawnServiceOptions } from './child.ts';
import { spawnService } from './child.ts';
import {
  createRestartBackoff,
  DEFAULT_RESTART_BACKOFF,
  type RestartBackoffSettings,
} from './restart-backoff.ts';

export interface SupervisedService {
  readonly name: string;
  /** How many times the service was started again after dying. */
  restarts(): number;
  /** True while a process of the service runs (false while waiting to restart it). */
  isRunning(): boolean;
  /** No more restarts; SIGTERM the running process, SIGKILL after `timeoutMs`. */
  stop(timeoutMs: number): Promise<void>;
  /** Sends a signal to the running process, if any (SIGKILL for a forced stop). */
  signal(name: NodeJS.Signals): void;
}

export interface SuperviseOptions extends SpawnServiceOptions {
  /** The supervisor's log, one line per call. */
  say(line: string): void;
  backoff?: RestartBackoffSettings;
  /** Told of every process started, the first one included (tests, status). */
  onSpawn?(child: ServiceChild): void;
}

export function describeExit({ code, signal }: ExitInfo): string {
  if (signal) return `signal ${signal}`;
  return code === null ? 'failed to start' : `exit code ${code}`;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export function superviseService(options: SuperviseOptions): SupervisedService {
  const { name, say, onSpawn } = options;
  const backoff = createRestartBackoff(options.backoff ?? DEFAULT_RESTART_BACKOFF);
  let current: ServiceChild | undefined;
  let restarts = 0;
  let stopping = false;
  let restartTimer: NodeJS.Timeout | undefined;

  function start(): void {
    const startedAt = Date.now();
    const child = spawnService(options);
    current = child;
    onSpawn?.(child);
    void child.exited.then((exit) => {
      if (stopping) return;
      const delayMs = backoff.next(Date.now() - startedAt);
      restarts += 1;
      say(
        `${name} died (${describeExit(exit)}) after ${seconds(Date.now() - startedAt)}; ` +
          `restart ${restarts} in ${seconds(delayMs)}`,
      );
      restartTimer = setTimeout(() => {
        restartTimer = undefined;
        if (stopping) return;
        say(`${name} restarting (restart ${restarts})`);
        start();
      }, delayMs);
    });
  }

  start();
  return {
    name,
    restarts: () => restarts,
    isRunning: () => current?.isRunning() ?? false,
    signal: (signal) => current?.signal(signal),
    async stop(timeoutMs) {
      stopping = true;
      clearTimeout(restartTimer);
      restartTimer = undefined;
      await current?.stop(timeoutMs);
    },
  };
}

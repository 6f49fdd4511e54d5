// The whole system as `npm start` runs it (bench/support/services.ts spawns each service from
// its own main.ts), plus what a chaos scenario does to it: kill -9 a service, start a fresh
// one, and, like a supervisor, start again a service that died by itself.
import type { ChildProcess } from 'node:child_process';
import {
  ALL_SERVICES,
  startService,
  startSystem,
  subgraphEnv,
  type RunningService,
  type ServiceName,
} from '../bench/support/services.ts';
import type { Namespace } from '../test/support/namespace.ts';
import { sleep } from '../test/support/processor.ts';

export interface ServiceExit {
  service: ServiceName;
  at: string;
  code: number | null;
  signal: string | null;
  /** The end of the output, for the results file. */
  lastOutput: string;
}

export interface ChaosSystem {
  /** The running gateway's base URL (a restarted gateway listens on another port). */
  gatewayUrl(): string;
  /** The running instance of a service. */
  service(name: ServiceName): RunningService;
  /** kill -9 the running instance; resolves once it is gone. Nothing restarts it. */
  kill(name: ServiceName): Promise<void>;
  /**
   * A fresh instance with the system's settings (plus `env`), as soon as it is spawned: its
   * start, its group join and its first fetch are part of the recovery that is measured. If the
   * service died by itself, the supervisor's restart already under way is that instance.
   */
  restart(name: ServiceName, env?: Record<string, string>): Promise<RunningService>;
  /** Resolves when the running instance exits by itself (a fault-injection point). */
  selfExit(name: ServiceName): Promise<ServiceExit>;
  /** The end of every running service's output, for a scenario that did not recover. */
  outputs(): Partial<Record<ServiceName, string>>;
  /** Exits nobody asked for: each was restarted, as `npm start`'s supervisor does. */
  readonly unexpectedExits: ServiceExit[];
  stop(): Promise<void>;
}

export interface ChaosSystemOptions {
  /** Settings of every service (environment overrides). */
  env: Record<string, string>;
  /** Only for the first instance of each service (e.g. a fault-injection point). */
  firstEnv?: Record<string, string>;
  /** Consumer groups are `<group>-<service>`, fresh per run. */
  consumerGroup: string;
  log(line: string): void;
}

const OUTPUT_TAIL = 2_000; // characters of a dead service's output kept
const RESTART_BACKOFF_MS = [500, 1_000, 2_000, 5_000, 10_000];

function gone(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function exitOf(child: ChildProcess): Promise<void> {
  return gone(child)
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startChaosSystem(
  namespace: Namespace,
  options: ChaosSystemOptions,
): Promise<ChaosSystem> {
  const system = await startSystem(namespace, ALL_SERVICES, {
    consumerGroup: options.consumerGroup,
    env: { ...options.env, ...options.firstEnv },
  });
  const services = system.services as Record<ServiceName, RunningService>;
  /** Instances whose exit was asked for (kill, stop) or awaited (selfExit). */
  const intended = new WeakSet<ChildProcess>();
  const unexpectedExits: ServiceExit[] = [];
  let stopping = false;

  const envOf = (name: ServiceName, env: Record<string, string>) => ({
    ...options.env,
    ...env,
    CONSUMER_GROUP_ID: `${options.consumerGroup}-${name}`,
    ...(name === 'gateway' ? subgraphEnv(services) : {}),
  });

  const exitRecord = (name: ServiceName, instance: RunningService): ServiceExit => ({
    service: name,
    at: new Date().toISOString(),
    code: instance.child.exitCode,
    signal: instance.child.signalCode,
    lastOutput: instance.output().slice(-OUTPUT_TAIL),
  });

  const crashes = new Map<ServiceName, number>();
  /** The supervisor's restart of a service that died by itself, while it is under way. */
  const restarting = new Map<ServiceName, Promise<RunningService>>();

  /** Like a supervisor: a service that died unasked is started again, with a growing backoff. */
  function watch(name: ServiceName, instance: RunningService): void {
    instance.child.once('exit', () => {
      if (stopping || intended.has(instance.child)) return;
      unexpectedExits.push(exitRecord(name, instance));
      const crashed = crashes.get(name) ?? 0;
      crashes.set(name, crashed + 1);
      const wait = RESTART_BACKOFF_MS[Math.min(crashed, RESTART_BACKOFF_MS.length - 1)] ?? 0;
      options.log(
        `${name} exited by itself (${instance.child.exitCode ?? instance.child.signalCode}); restarting in ${wait} ms`,
      );
      const restart = sleep(wait)
        .then(() => spawn(name, {}))
        .finally(() => restarting.delete(name));
      restarting.set(name, restart);
      restart.catch((error: unknown) => options.log(`${name} did not start: ${String(error)}`));
    });
  }

  /** A fresh instance, spawned: as a supervisor does, nobody waits for it to be ready. */
  async function spawn(name: ServiceName, env: Record<string, string>): Promise<RunningService> {
    const instance = await startService(name, namespace, {
      env: envOf(name, env),
      waitFor: 'spawn',
    });
    if (stopping) {
      await instance.stop();
      return instance;
    }
    services[name] = instance;
    watch(name, instance);
    return instance;
  }

  for (const name of ALL_SERVICES) watch(name, services[name]);

  return {
    gatewayUrl: () => services.gateway.baseUrl,
    service: (name) => services[name],
    unexpectedExits,
    outputs: () =>
      Object.fromEntries(
        ALL_SERVICES.map((name) => [name, services[name].output().slice(-OUTPUT_TAIL)]),
      ),
    async kill(name) {
      const { child } = services[name];
      // Died by itself meanwhile: nothing to kill, and the supervisor's restart is under way.
      if (gone(child)) return;
      intended.add(child);
      child.kill('SIGKILL');
      await exitOf(child);
    },
    restart: (name, env = {}) => restarting.get(name) ?? spawn(name, env),
    async selfExit(name) {
      const instance = services[name];
      intended.add(instance.child);
      await exitOf(instance.child);
      return exitRecord(name, instance);
    },
    async stop() {
      stopping = true;
      await system.stop();
    },
  };
}

import path from 'node:path';
import {
  answers200,
  freePort,
  OUTPUT_TAIL,
  serviceEnv,
  spawnNode,
  type NodeProcess,
} from '../../scripts/node-process.ts';
import { sandboxEnv } from '../../test/support/child-service.ts';
import type { Namespace } from '../../test/support/namespace.ts';
import type { ScenarioContext } from './scenario.ts';

export type ServiceName = 'gateway' | 'profile' | 'activity' | 'config' | 'processor' | 'archiver';

/** Every service: the whole system as `npm start` runs it. */
export const ALL_SERVICES: readonly ServiceName[] = [
  'profile',
  'activity',
  'config',
  'processor',
  'archiver',
  'gateway',
];

const ENTRIES: Record<ServiceName, string> = {
  gateway: 'gateway/main.ts',
  profile: 'subgraphs/profile/main.ts',
  activity: 'subgraphs/activity/main.ts',
  config: 'subgraphs/config/main.ts',
  processor: 'processor/main.ts',
  archiver: 'archiver/main.ts',
};

export interface RunningService extends NodeProcess {
  port: number;
  baseUrl: string;
}

export interface ServiceOptions {
  /** Environment overrides on top of the namespace's (see docs/configuration.md). */
  env?: Record<string, string>;
  /** Write a V8 CPU profile into this folder when the service stops. */
  cpuProfileDir?: string;
  /** What "started" waits for: `/ready` (default), or `spawn`: only the process (a supervisor's restart). */
  waitFor?: '/ready' | 'spawn';
}

/**
 * Runs a PulseHub service from its real `main.ts` in its own process (as `npm start` does),
 * pointed at the namespace through environment overrides, and waits for its `/ready`.
 */
export async function startService(
  name: ServiceName,
  namespace: Namespace,
  options: ServiceOptions = {},
): Promise<RunningService> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const profileDir = options.cpuProfileDir;
  const process = await spawnNode({
    name,
    entry: ENTRIES[name],
    env: {
      ...sandboxEnv(namespace),
      ...serviceEnv(port),
      // Every load-generator client connects from 127.0.0.1, one address: the gateway's
      // per-address limits (sized for one real client) would refuse the bench's thousands.
      SUBSCRIPTIONS_MAX_CONNECTIONS_PER_ADDRESS: '1000000',
      SUBSCRIPTIONS_CONNECTIONS_PER_ADDRESS_PER_SECOND: '1000000',
      SUBSCRIPTIONS_CONNECTION_BURST_PER_ADDRESS: '1000000',
      ...options.env,
    },
    nodeFlags: profileDir
      ? [
          '--cpu-prof',
          // A folder per service and Node's own file names (pid and thread id): under tsx the
          // module-loader thread writes a profile too, and a fixed name let it overwrite the
          // main thread's. The main thread's file is the one with thread id 0.
          `--cpu-prof-dir=${path.resolve(profileDir, name)}`,
        ]
      : [],
    ...(options.waitFor === 'spawn' ? {} : { ready: () => answers200(`${baseUrl}/ready`) }),
    readyTimeoutMs: 120_000,
    outputLimit: OUTPUT_TAIL,
  });
  return Object.assign(process, { port, baseUrl });
}

/** The gateway's settings that point it at the running subgraphs (an unused port for the rest). */
export function subgraphEnv(
  services: Partial<Record<ServiceName, RunningService>>,
): Record<string, string> {
  const url = (name: 'profile' | 'activity' | 'config') =>
    services[name] ? `${services[name].baseUrl}/graphql` : 'http://127.0.0.1:9/graphql';
  return {
    SUBGRAPHS_PROFILE: url('profile'),
    SUBGRAPHS_ACTIVITY: url('activity'),
    SUBGRAPHS_CONFIG: url('config'),
  };
}

export interface RunningSystem {
  services: Partial<Record<ServiceName, RunningService>>;
  /** The gateway's base URL (ingest at /v1, GraphQL at /graphql). */
  gatewayUrl: string;
  stop(): Promise<void>;
}

/**
 * The services named, each its own process: the subgraphs and consumers first (in parallel),
 * then the gateway wired to the subgraphs. `consumerGroup` names the processor's and
 * archiver's groups (suffixed with the service name) so that every run starts fresh.
 */
export async function startSystem(
  namespace: Namespace,
  names: readonly ServiceName[],
  options: ServiceOptions & { consumerGroup: string },
): Promise<RunningSystem> {
  const services: Partial<Record<ServiceName, RunningService>> = {};
  const stop = async () => {
    const order: ServiceName[] = [
      'gateway',
      'processor',
      'archiver',
      'profile',
      'activity',
      'config',
    ];
    for (const name of order) await services[name]?.stop();
  };
  try {
    const first = names.filter((name) => name !== 'gateway');
    await Promise.all(
      first.map(async (name) => {
        services[name] = await startService(name, namespace, {
          ...options,
          env: { ...options.env, CONSUMER_GROUP_ID: `${options.consumerGroup}-${name}` },
        });
      }),
    );
    if (names.includes('gateway'))
      services.gateway = await startService('gateway', namespace, {
        ...options,
        env: { ...options.env, ...subgraphEnv(services) },
      });
  } catch (error) {
    await stop();
    throw error;
  }
  return { services, gatewayUrl: services.gateway?.baseUrl ?? '', stop };
}

/**
 * The named services in the scenario's namespace with the benchmark's credentials and, with
 * --cpu-prof, CPU profiles; stopped after the scenario.
 */
export async function startScenarioSystem(
  context: ScenarioContext,
  names: readonly ServiceName[],
): Promise<RunningSystem> {
  const system = await startSystem(context.namespace, names, {
    consumerGroup: context.namespace.id,
    env: context.auth.serviceEnv,
    ...(context.cpuProfileDir ? { cpuProfileDir: context.cpuProfileDir } : {}),
  });
  context.defer(() => system.stop());
  return system;
}

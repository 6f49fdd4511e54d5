// The whole system as child processes in one namespace, each service started from its entry
// (under tsx or from the build) one after another in `npm start`'s order, each only once the
// previous one answers /ready: so the start-up time and memory of each can be told apart
// (scripts/service-footprint.ts) and the build can be proven end to end (production-build.e2e.ts).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateEs256KeyPair, mintToken } from '../../gateway/auth/dev-keys.ts';
import {
  answers200,
  freePort,
  serviceEnv,
  spawnNode,
  type NodeProcess,
} from '../../scripts/node-process.ts';
import type { ServiceRuntime } from '../../scripts/service-runtime.ts';
import { ALL_SCOPES, TEST_TOKEN_CLAIMS } from './auth.ts';
import { sandboxEnv } from './child-service.ts';
import type { Namespace } from './namespace.ts';

export const SERVICE_ENTRIES = {
  config: 'subgraphs/config/main.ts',
  profile: 'subgraphs/profile/main.ts',
  activity: 'subgraphs/activity/main.ts',
  processor: 'processor/main.ts',
  archiver: 'archiver/main.ts',
  // Last: it composes its schema from the three subgraphs.
  gateway: 'gateway/main.ts',
} as const;

export type ServiceName = keyof typeof SERVICE_ENTRIES;

export interface StartedService {
  name: ServiceName;
  process: NodeProcess;
  port: number;
  /** From the spawn to the first 200 of GET /ready. */
  startupMs: number;
  /** Resident memory (VmRSS) just after that 200. */
  rssBytes: number;
}

export interface ChildSystem {
  services: readonly StartedService[];
  gatewayUrl: string;
  /** A bearer token the gateway trusts, with every scope. */
  token(): Promise<string>;
  stop(): Promise<void>;
}

const READY_POLL_MS = 20;
const READY_TIMEOUT_MS = 90_000;

async function startMeasured(
  name: ServiceName,
  runtime: ServiceRuntime,
  env: Record<string, string>,
): Promise<StartedService> {
  const port = await freePort();
  const ready = () => answers200(`http://127.0.0.1:${port}/ready`, 2_000);
  const spawnedAt = performance.now();
  const child = await spawnNode({
    name,
    entry: SERVICE_ENTRIES[name],
    runtime,
    env: { ...serviceEnv(port), ...env },
  });
  // Polled here rather than by spawnNode: its 100 ms step would blur start-up times.
  for (;;) {
    if (child.child.exitCode !== null || child.child.signalCode !== null)
      throw new Error(`${name} exited while starting:\n${child.output()}`);
    if (await ready()) break;
    if (performance.now() - spawnedAt > READY_TIMEOUT_MS) {
      await child.stop();
      throw new Error(`${name} not ready within ${READY_TIMEOUT_MS} ms:\n${child.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
  const startupMs = performance.now() - spawnedAt;
  return { name, process: child, port, startupMs, rssBytes: await child.rssBytes() };
}

/** Starts every service of `namespace` with `runtime`; stops those started if one fails. */
export async function startChildSystem(
  namespace: Namespace,
  runtime: ServiceRuntime,
): Promise<ChildSystem> {
  const keys = await generateEs256KeyPair();
  const scratch = await mkdtemp(path.join(os.tmpdir(), `pulsehub-${namespace.id}-children-`));
  const shared = sandboxEnv(namespace);
  const graphqlOf = (service: StartedService | undefined) =>
    `http://127.0.0.1:${service?.port ?? 0}/graphql`;
  const started: StartedService[] = [];
  const byName = (name: ServiceName) => started.find((service) => service.name === name);
  const envOf = (name: ServiceName): Record<string, string> => {
    switch (name) {
      case 'config':
        return {
          REPOSITORY_PATH: path.join(scratch, 'config-repo'),
          ENCRYPT_KEY: randomBytes(24).toString('base64'),
        };
      case 'processor':
      case 'archiver':
        // Groups of the namespace's own: the default names may be live elsewhere (npm start).
        return { CONSUMER_GROUP_ID: `${namespace.id}-${name}` };
      case 'gateway':
        return {
          SUBGRAPHS_PROFILE: graphqlOf(byName('profile')),
          SUBGRAPHS_ACTIVITY: graphqlOf(byName('activity')),
          SUBGRAPHS_CONFIG: graphqlOf(byName('config')),
          AUTH_PUBLIC_KEY: keys.publicKey,
          AUTH_PUBLIC_KEY_FILE: '',
        };
      default:
        return {};
    }
  };
  const stop = async () => {
    await Promise.all(started.map((service) => service.process.stop()));
    await rm(scratch, { recursive: true, force: true });
  };
  try {
    for (const name of Object.keys(SERVICE_ENTRIES) as ServiceName[])
      started.push(await startMeasured(name, runtime, { ...shared, ...envOf(name) }));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    services: started,
    gatewayUrl: `http://127.0.0.1:${byName('gateway')?.port ?? 0}`,
    token: () =>
      mintToken(keys.privateKey, {
        subject: 'child-system-admin',
        scopes: ALL_SCOPES,
        expiresInSeconds: 600,
        ...TEST_TOKEN_CLAIMS,
      }),
    stop,
  };
}

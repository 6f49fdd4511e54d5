import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createTestKeys, type TestKeys } from './auth.ts';
import { freePort, sandboxEnv, spawnService, type ChildService } from './child-service.ts';
import type { Sandbox } from './isolation.ts';

/** One of the two copies of the system: each instance a process of its own. */
export interface Lane {
  gateway: ChildService;
  profile: ChildService;
  activity: ChildService;
  config: ChildService;
  processor: ChildService;
  archiver: ChildService;
}

export interface DoubledSystem {
  /** Lane A (instances #1) and lane B (instances #2). */
  lanes: readonly [Lane, Lane];
  /** The key pair both gateways trust. */
  auth: TestKeys;
  /** Consumer groups both processors and both archivers join. */
  groups: { processor: string; archiver: string };
  /** The development credentials of the config endpoint (`auth` of config/config.yml). */
  configAuth: { username: string; password: string };
  /** Every instance, with the name it is known by in failure messages. */
  instances(): Array<{ name: string; service: ChildService }>;
  stop(): Promise<void>;
}

export const baseUrl = (service: ChildService): string => `http://127.0.0.1:${service.port}`;
const graphqlOf = (service: ChildService) => `${baseUrl(service)}/graphql`;

const SUBGRAPHS = ['profile', 'activity', 'config'] as const;

/** Promise.all that waits for every start to settle, so a failed start leaves none running. */
async function allStarted<T extends readonly unknown[]>(starts: {
  [K in keyof T]: Promise<T[K]>;
}): Promise<T> {
  const settled = await Promise.allSettled(starts);
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/**
 * Every service twice, each instance its own process started from its `main.ts`, on one
 * sandbox. Routing is by lane rather than through a balancing proxy: gateway A knows only the
 * subgraphs #1 and gateway B only the subgraphs #2, so an answer through a gateway proves its
 * lane's subgraph instances served it. Each lane's services load their configuration from
 * their lane's config instance; both config instances serve the same git repository and
 * announce on the same Redis channel, so a change made through either reaches every instance.
 * Consumers of both lanes share one consumer group per role, so the two processors (and the
 * two archivers) split the partitions between them.
 */
export async function startDoubledSystem(sandbox: Sandbox): Promise<DoubledSystem> {
  const auth = await createTestKeys();
  const scratch = await mkdtemp(path.join(os.tmpdir(), `pulsehub-${sandbox.id}-doubled-`));
  const groups = { processor: `${sandbox.id}-processor`, archiver: `${sandbox.id}-archiver` };
  const configAuth = { username: 'pulsehub', password: 'pulsehub-development-config-password' };
  // The log level must come from the config service, so that a change of it can be observed.
  const { LOG_LEVEL: _pinned, ...shared } = sandboxEnv(sandbox);
  const started: ChildService[] = [];
  const spawn = async (entry: string, env: Record<string, string>) => {
    const service = await spawnService(entry, await freePort(), { ...shared, ...env });
    started.push(service);
    return service;
  };
  const stopAll = () => Promise.all(started.map((service) => service.stop()));

  try {
    const configEnv = {
      REPOSITORY_PATH: path.join(scratch, 'config-repo'),
      REPOSITORY_POLL_INTERVAL_MS: '0',
      // One key for both: values either encrypts must decrypt on the other.
      ENCRYPT_KEY: randomBytes(24).toString('base64'),
    };
    // The first creates and seeds the shared repository; the second then opens it as it is.
    const config1 = await spawn('subgraphs/config/main.ts', configEnv);
    const config2 = await spawn('subgraphs/config/main.ts', configEnv);

    const configs = [config1, config2] as const;
    const followConfig = (lane: 0 | 1) => ({
      CONFIG_SERVER_ENABLED: 'true',
      CONFIG_SERVER_URL: baseUrl(configs[lane]),
    });
    // One service at a time, both of its instances together: twelve processes loading at once
    // on a busy machine would each miss the readiness timeout.
    const pair = (entry: string, env: (lane: 0 | 1) => Record<string, string> = () => ({})) =>
      allStarted<[ChildService, ChildService]>([
        spawn(entry, { ...followConfig(0), ...env(0) }),
        spawn(entry, { ...followConfig(1), ...env(1) }),
      ]);
    const profile = await pair('subgraphs/profile/main.ts');
    const activity = await pair('subgraphs/activity/main.ts');
    const processor = await pair('processor/main.ts', () => ({
      CONSUMER_GROUP_ID: groups.processor,
    }));
    const archiver = await pair('archiver/main.ts', () => ({ CONSUMER_GROUP_ID: groups.archiver }));
    const gateway = await pair('gateway/main.ts', (lane) => ({
      SUBGRAPHS_PROFILE: graphqlOf(profile[lane]),
      SUBGRAPHS_ACTIVITY: graphqlOf(activity[lane]),
      SUBGRAPHS_CONFIG: graphqlOf(configs[lane]),
      AUTH_PUBLIC_KEY: auth.keys.publicKey,
      AUTH_PUBLIC_KEY_FILE: '',
    }));
    const laneOf = (lane: 0 | 1): Lane => ({
      gateway: gateway[lane],
      profile: profile[lane],
      activity: activity[lane],
      config: configs[lane],
      processor: processor[lane],
      archiver: archiver[lane],
    });
    const lanes = [laneOf(0), laneOf(1)] as const;
    return {
      lanes,
      auth,
      groups,
      configAuth,
      instances: () =>
        lanes.flatMap((lane, index) =>
          (['gateway', ...SUBGRAPHS, 'processor', 'archiver'] as const).map((name) => ({
            name: `${name} #${index + 1}`,
            service: lane[name],
          })),
        ),
      async stop() {
        await stopAll();
        await rm(scratch, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopAll();
    await rm(scratch, { recursive: true, force: true });
    throw error;
  }
}

// Redis Cluster: use the cluster at the configured seed nodes when it answers with
// cluster_state:ok; otherwise, when every seed is on this machine and none answers, run one
// redis-server per seed (cluster mode, append-only persistence under
// <dataDir>/redis-cluster-<port>) and form the cluster with CLUSTER commands, the slots split
// in equal ranges. Masters only, no replicas: failover is out of scope of a local cluster,
// which is there to run PulseHub's code on the paths a cluster imposes (hash slots,
// redirections, per-node SCAN, shard channels).
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { RedisAddress } from '../lib/redis-address.ts';
import { requireExecutable } from './executables.ts';
import type { ManagedProcess } from './process.ts';
import { processGroup } from './process-group.ts';
import { isLoopbackHost, isPortOpen, seconds, waitUntil } from './reachability.ts';
import type { InfraOptions } from './types.ts';
import { ONE_ATTEMPT, startRedisServer } from './redis-server.ts';

export type ClusterAddress = Extract<RedisAddress, { kind: 'cluster' }>;
type Seed = ClusterAddress['seeds'][number];

const SLOT_COUNT = 16_384;

/** How long a cluster that answers gets to report ok (it may be forming, started elsewhere). */
const REUSE_TIMEOUT_MS = 10_000;
const FORM_TIMEOUT_MS = 30_000;

/** The slots each of `nodes` masters serves: equal ranges covering 0..16383, in order. */
export function slotRanges(nodes: number): Array<{ first: number; last: number }> {
  return Array.from({ length: nodes }, (_, index) => ({
    first: Math.floor((index * SLOT_COUNT) / nodes),
    last: Math.floor(((index + 1) * SLOT_COUNT) / nodes) - 1,
  }));
}

/**
 * Runs `use` on a connection to one node. Not a Cluster client on purpose: a cluster is
 * formed node by node, and its state is each node's own view.
 */
async function onNode<T>(
  address: ClusterAddress,
  seed: Seed,
  use: (node: Redis) => Promise<T>,
): Promise<T> {
  const node = new Redis({
    host: seed.host,
    port: seed.port,
    ...(address.username === undefined ? {} : { username: address.username }),
    ...(address.password === undefined ? {} : { password: address.password }),
    ...(address.tls ? { tls: {} } : {}),
    ...ONE_ATTEMPT,
  });
  // Failures surface through connect() and the commands; without a listener ioredis prints them.
  node.on('error', () => undefined);
  try {
    await node.connect();
    return await use(node);
  } finally {
    node.disconnect();
  }
}

async function clusterInfo(node: Redis): Promise<Map<string, string>> {
  const text = await node.cluster('INFO');
  return new Map(
    text
      .split(/\r?\n/)
      .map((line) => line.split(':', 2) as [string, string | undefined])
      .flatMap(([key, value]) => (value === undefined ? [] : [[key, value.trim()] as const])),
  );
}

/** Whether the node sees `nodes` nodes or more serving every slot, and says cluster_state:ok. */
async function seesHealthyCluster(node: Redis, nodes: number): Promise<boolean> {
  const info = await clusterInfo(node);
  return (
    info.get('cluster_state') === 'ok' &&
    Number(info.get('cluster_slots_assigned')) === SLOT_COUNT &&
    Number(info.get('cluster_known_nodes')) >= nodes
  );
}

const hostsOf = (seeds: readonly Seed[]): string =>
  seeds.map((seed) => `${seed.host}:${seed.port}`).join(',');

/** Polls until every one of `asked` sees a healthy cluster of at least that many nodes. */
async function untilHealthy(
  address: ClusterAddress,
  asked: readonly Seed[],
  what: string,
  timeoutMs: number,
  process?: ManagedProcess,
): Promise<void> {
  await waitUntil(
    async () => {
      const views = await Promise.all(
        asked.map((seed) =>
          onNode(address, seed, (node) => seesHealthyCluster(node, asked.length)),
        ),
      );
      return views.every(Boolean);
    },
    { what, timeoutMs, intervalMs: 200, ...(process === undefined ? {} : { process }) },
  );
}

function startNode(redisServer: string, dataDir: string, seed: Seed): Promise<ManagedProcess> {
  return startRedisServer({
    name: `redis-server (cluster node ${seed.port})`,
    command: redisServer,
    port: seed.port,
    dir: join(dataDir, `redis-cluster-${seed.port}`),
    // Relative to --dir: the node's identity and its view of the cluster, kept across
    // restarts, so a restarted cluster forms again by itself.
    extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'],
  });
}

/** Whether the node serves any slot, by the `myself` line of CLUSTER NODES. */
async function servesSlots(node: Redis): Promise<boolean> {
  const nodes = String(await node.cluster('NODES'));
  const myself = nodes.split('\n').find((line) => line.split(' ')[2]?.includes('myself'));
  // <id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slot>…
  return (myself?.trim().split(' ').length ?? 0) > 8;
}

/**
 * Gives each node without slots its range and introduces every node to the first. Safe to
 * repeat: a node restarted from its nodes.conf already serves its slots and knows the others,
 * and formation cut short (a stop between the steps) is completed.
 */
async function formCluster(address: ClusterAddress): Promise<void> {
  const ranges = slotRanges(address.seeds.length);
  await Promise.all(
    address.seeds.map((seed, index) =>
      onNode(address, seed, async (node) => {
        const range = ranges[index] as { first: number; last: number };
        if (!(await servesSlots(node))) {
          await node.call('CLUSTER', 'ADDSLOTSRANGE', range.first, range.last);
        }
      }),
    ),
  );
  const [first, ...others] = address.seeds as [Seed, ...Seed[]];
  await onNode(address, first, async (node) => {
    const known = Number((await clusterInfo(node)).get('cluster_known_nodes'));
    if (known >= address.seeds.length) return;
    // Every node listens on 127.0.0.1 (startNode), whatever loopback name the address uses.
    for (const other of others) await node.call('CLUSTER', 'MEET', '127.0.0.1', other.port);
  });
}

async function startCluster(
  options: InfraOptions,
  address: ClusterAddress,
): Promise<ManagedProcess> {
  const hosts = hostsOf(address.seeds);
  const redisServer = requireExecutable(
    'redis-server',
    `to start a Redis Cluster on ${hosts} (or start one yourself and set REDIS_URL)`,
  );
  const started = Date.now();
  const launches = await Promise.allSettled(
    address.seeds.map((seed) => startNode(redisServer, options.dataDir, seed)),
  );
  const nodes = launches.flatMap((launch) => (launch.status === 'fulfilled' ? [launch.value] : []));
  const cluster = processGroup(`the Redis Cluster at ${hosts}`, nodes);
  let version = 'unknown';
  try {
    const failed = launches.find((launch) => launch.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    await waitUntil(
      async () => {
        const pongs = await Promise.all(
          address.seeds.map((seed) => onNode(address, seed, (node) => node.ping())),
        );
        const info = await onNode(address, address.seeds[0] as Seed, (node) => node.info('server'));
        version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
        return pongs.every((pong) => pong === 'PONG');
      },
      { what: `every Redis node to answer PING on ${hosts}`, timeoutMs: 30_000, process: cluster },
    );
    await formCluster(address);
    await untilHealthy(
      address,
      address.seeds,
      `the Redis Cluster on ${hosts} to serve every slot (cluster_state:ok on every node)`,
      FORM_TIMEOUT_MS,
      cluster,
    );
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  options.log(
    `redis: started a ${nodes.length}-master Redis Cluster (redis-server ${version}) on ${hosts} in ${seconds(started)}`,
  );
  return cluster;
}

export async function ensureRedisCluster(
  options: InfraOptions,
  address: ClusterAddress,
): Promise<ManagedProcess | undefined> {
  const hosts = hostsOf(address.seeds);
  const open = await Promise.all(address.seeds.map((seed) => isPortOpen(seed.host, seed.port)));
  // Any seed that answers will do, as for a client; a seed that is down is not our concern.
  const answering = address.seeds.filter((_, index) => open[index]);
  if (answering.length > 0) {
    try {
      const what = `the Redis Cluster on ${hostsOf(answering)} to report ok`;
      await untilHealthy(address, answering, what, REUSE_TIMEOUT_MS);
    } catch (error) {
      // Something answers, but not a whole healthy cluster: starting nodes beside it would only
      // make a second cluster. Say what is wrong instead.
      throw new Error(
        `something listens on ${hosts} but is not a Redis Cluster serving every slot: ` +
          `${error instanceof Error ? error.message : String(error)}`,
      );
    }
    options.log(`redis: using the Redis Cluster on ${hosts} (already running)`);
    return undefined;
  }
  const remote = address.seeds.filter((seed) => !isLoopbackHost(seed.host));
  if (remote.length > 0) {
    throw new Error(
      `no Redis Cluster reachable at ${hosts}, and ${hostsOf(remote)} is not on this machine to start it`,
    );
  }
  return startCluster(options, address);
}

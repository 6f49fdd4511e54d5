// A local Kafka cluster: one KRaft node per loopback address of KAFKA_BROKERS, each both broker
// and controller voter, its data in <dataDir>/kafka-<port>. Node ids follow the order of the
// addresses (1, 2, 3 …); each node's controller listens CONTROLLER_PORT_OFFSET above its broker
// port, because neighbouring broker ports (19092,19093,19094) leave no room for the single
// broker's "next port" rule.
import type { KafkaLayout, NodeConfig } from './kafka-config.ts';
import { kafkaClusterNodeLayout } from './kafka-config.ts';
import type { KafkaNodeSpec, KafkaRuntime } from './kafka-node.ts';
import { kafkaRuntime, prepareKafkaNode, startKafkaNode } from './kafka-node.ts';
import { describeBrokers } from './kafka-probe.ts';
import type { ExitInfo, ManagedProcess } from './process.ts';
import type { HostPort } from './reachability.ts';
import { seconds, waitUntil } from './reachability.ts';

export const CONTROLLER_PORT_OFFSET = 100;

// Three JVMs must fit beside the services on a developer's machine; a local cluster holds little.
const NODE_HEAP = ['-Xms128m', '-Xmx512m'];
const READY_TIMEOUT_MS = 90_000;

export interface KafkaClusterNode {
  readonly nodeId: number;
  /** Its broker address, `host:port` as KAFKA_BROKERS lists it. */
  readonly address: string;
  readonly layout: KafkaLayout;
  /** The node's latest JVM (it may have exited). */
  readonly process: ManagedProcess;
  /**
   * Stops the JVM and resolves once it is gone: SIGTERM is a controlled shutdown (leadership
   * handed over first), SIGKILL a crash.
   */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts it again on the same port and data; resolves once the cluster lists it again. */
  start(): Promise<void>;
}

export interface KafkaCluster {
  /** Every broker address, comma-separated: the cluster's KAFKA_BROKERS. */
  readonly brokers: string;
  readonly nodes: readonly KafkaClusterNode[];
  node(nodeId: number): KafkaClusterNode;
  /** Stops every node still running (controlled shutdowns, side by side). Idempotent. */
  stop(): Promise<void>;
}

export interface KafkaClusterOptions {
  dataDir: string;
  cacheDir: string;
  log: (line: string) => void;
}

function nodeConfigs(addresses: readonly HostPort[]): NodeConfig[] {
  const voters = addresses.map((address, index) => ({
    nodeId: index + 1,
    controllerPort: address.port + CONTROLLER_PORT_OFFSET,
  }));
  const brokerPorts = new Set(addresses.map((address) => address.port));
  const clash = voters.find((voter) => brokerPorts.has(voter.controllerPort));
  if (clash)
    throw new Error(
      `a local Kafka cluster puts each controller ${CONTROLLER_PORT_OFFSET} ports above its ` +
        `broker, and ${clash.controllerPort} is also a broker port in KAFKA_BROKERS`,
    );
  return addresses.map((address, index) => ({
    nodeId: index + 1,
    advertisedHost: address.host,
    port: address.port,
    controllerPort: address.port + CONTROLLER_PORT_OFFSET,
    voters,
  }));
}

/** Resolves once the node answers and the cluster lists it among its brokers. */
async function untilListed(spec: KafkaNodeSpec, address: string, process: ManagedProcess) {
  await waitUntil(async () => (await describeBrokers([address])).includes(spec.config.nodeId), {
    what: `Kafka node ${spec.config.nodeId} to answer on ${address}`,
    timeoutMs: READY_TIMEOUT_MS,
    intervalMs: 500,
    process,
  });
}

function clusterNode(runtime: KafkaRuntime, spec: KafkaNodeSpec, first: ManagedProcess) {
  const address = `${spec.config.advertisedHost}:${spec.config.port}`;
  let current = first;
  const node: KafkaClusterNode = {
    nodeId: spec.config.nodeId,
    address,
    layout: spec.layout,
    get process() {
      return current;
    },
    async stop(signal = 'SIGTERM') {
      if (!current.isRunning()) return;
      if (signal === 'SIGTERM') return current.stop();
      process.kill(current.pid, 'SIGKILL');
      await current.exited;
    },
    async start() {
      if (current.isRunning()) return;
      current = await startKafkaNode(runtime, spec);
      await untilListed(spec, address, current);
    },
  };
  return node;
}

/** Formats (first time) and starts every node; resolves once the cluster lists them all. */
export async function startKafkaCluster(
  options: KafkaClusterOptions,
  addresses: readonly HostPort[],
): Promise<KafkaCluster> {
  const started = Date.now();
  const runtime = await kafkaRuntime(options.cacheDir);
  const specs: KafkaNodeSpec[] = nodeConfigs(addresses).map((config) => ({
    name: `Kafka node ${config.nodeId} (port ${config.port})`,
    layout: kafkaClusterNodeLayout(options.dataDir, config.port),
    config,
    heap: NODE_HEAP,
  }));
  // Sequential: the first format writes the cluster id file the others then read.
  for (const spec of specs) await prepareKafkaNode(runtime, spec);

  const nodes: KafkaClusterNode[] = [];
  let stopping: Promise<void> | undefined;
  const cluster: KafkaCluster = {
    brokers: addresses.map((address) => `${address.host}:${address.port}`).join(','),
    nodes,
    node(nodeId) {
      const found = nodes.find((node) => node.nodeId === nodeId);
      if (found === undefined) throw new Error(`the Kafka cluster has no node ${nodeId}`);
      return found;
    },
    stop() {
      // Side by side: stopped one after another, the last nodes would wait for a controller
      // quorum that the first ones took away.
      stopping ??= Promise.all(nodes.map((node) => node.stop('SIGTERM'))).then(() => undefined);
      return stopping;
    },
  };
  try {
    for (const spec of specs)
      nodes.push(clusterNode(runtime, spec, await startKafkaNode(runtime, spec)));
    // A node answers only once a quorum of controllers runs: wait for all of them together.
    await Promise.all(
      nodes.map((node, index) =>
        untilListed(specs[index] as KafkaNodeSpec, node.address, node.process),
      ),
    );
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  const download = runtime.downloadMs
    ? `, after downloading its jars in ${(runtime.downloadMs / 1000).toFixed(1)} s`
    : '';
  options.log(
    `kafka: started a ${nodes.length}-node Kafka cluster (KRaft) on ${cluster.brokers} in ${seconds(started)}${download}`,
  );
  return cluster;
}

/** The cluster as one infrastructure process: stop() stops every node. */
export function clusterProcess(cluster: KafkaCluster): ManagedProcess {
  const first = cluster.nodes[0] as KafkaClusterNode;
  return {
    name: `the Kafka cluster at ${cluster.brokers}`,
    get pid() {
      return first.process.pid;
    },
    logFile: first.layout.logFile,
    get exited(): Promise<ExitInfo> {
      return Promise.all(cluster.nodes.map((node) => node.process.exited)).then(
        (exits) => exits[0] as ExitInfo,
      );
    },
    isRunning: () => cluster.nodes.some((node) => node.process.isRunning()),
    stop: () => cluster.stop(),
  };
}

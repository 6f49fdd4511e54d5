// A Kafka cluster of a test's own (infra/kafka-cluster.ts) on free ports, its data in a
// temporary folder: for faults that must not reach the broker the other test files share.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import {
  CONTROLLER_PORT_OFFSET,
  startKafkaCluster,
  type KafkaCluster,
  type KafkaClusterNode,
} from '../../infra/kafka-cluster.ts';
import { isPortOpen } from '../../infra/reachability.ts';
import { freePort } from '../../scripts/node-process.ts';
import { REPO_ROOT } from './infra-settings.ts';

export interface OwnKafkaCluster {
  readonly cluster: KafkaCluster;
  /** Stops every node and removes the data. */
  dispose(): Promise<void>;
}

/** Free broker ports whose controller ports (CONTROLLER_PORT_OFFSET above) are free too. */
async function freeBrokerPorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let attempt = 0; ports.length < count && attempt < 50; attempt++) {
    const port = await freePort();
    const controller = port + CONTROLLER_PORT_OFFSET;
    if (controller > 65_535 || ports.includes(port) || ports.includes(controller)) continue;
    if (ports.some((taken) => taken + CONTROLLER_PORT_OFFSET === port)) continue;
    if (!(await isPortOpen('127.0.0.1', controller, 200))) ports.push(port);
  }
  if (ports.length < count) throw new Error(`no ${count} free port pairs for a Kafka cluster`);
  return ports;
}

export async function startOwnKafkaCluster(
  size: number,
  log: (line: string) => void = () => undefined,
): Promise<OwnKafkaCluster> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pulsehub-kafka-cluster-'));
  try {
    const ports = await freeBrokerPorts(size);
    const cluster = await startKafkaCluster(
      { dataDir, cacheDir: path.join(REPO_ROOT, '.cache'), log },
      ports.map((port) => ({ host: '127.0.0.1', port })),
    );
    return {
      cluster,
      async dispose() {
        await cluster.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

export interface PartitionState {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

/** A topic's partitions as the running nodes report them (leader, replicas, in-sync set). */
export async function partitionStates(
  nodes: readonly KafkaClusterNode[],
  topic: string,
): Promise<PartitionState[]> {
  const running = nodes.filter((node) => node.process.isRunning());
  const admin = new Kafka({
    clientId: 'test-cluster-admin',
    brokers: running.map((node) => node.address),
    logLevel: logLevel.NOTHING,
    retry: { retries: 1 },
  }).admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return (topics[0]?.partitions ?? []).map(({ partitionId, leader, replicas, isr }) => ({
      partition: partitionId,
      leader,
      replicas,
      isr,
    }));
  } finally {
    await admin.disconnect();
  }
}

/** The value of one setting of a topic, as the cluster reports it. */
export async function topicSetting(
  cluster: KafkaCluster,
  topic: string,
  name: string,
): Promise<string | undefined> {
  const admin = new Kafka({
    clientId: 'test-cluster-admin',
    brokers: cluster.brokers.split(','),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: [name] }],
    });
    return resources[0]?.configEntries.find((entry) => entry.configName === name)?.configValue;
  } finally {
    await admin.disconnect();
  }
}

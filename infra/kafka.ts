// Kafka: use the configured brokers when they answer, otherwise run them locally from the
// Kafka 3.9.1 jars of Maven Central: a single-node KRaft broker with its data under
// <dataDir>/kafka for one address, a KRaft cluster of one node per address
// (infra/kafka-cluster.ts) for several loopback addresses.
import { kafkaLayout, singleNodeConfig } from './kafka-config.ts';
import { clusterProcess, startKafkaCluster } from './kafka-cluster.ts';
import { KAFKA_VERSION } from './kafka-jars.ts';
import { kafkaRuntime, prepareKafkaNode, startKafkaNode } from './kafka-node.ts';
import { kafkaAnswers } from './kafka-probe.ts';
import type { ManagedProcess } from './process.ts';
import type { HostPort } from './reachability.ts';
import { isLoopbackHost, isPortOpen, parseHostPort, seconds, waitUntil } from './reachability.ts';
import type { InfraOptions } from './types.ts';

export { kafkaAnswers } from './kafka-probe.ts';

const DEFAULT_PORT = 9092;
const READY_TIMEOUT_MS = 90_000;

/** Returns the broker process(es) when we started them, undefined when existing ones are used. */
export async function ensureKafka(options: InfraOptions): Promise<ManagedProcess | undefined> {
  const brokers = options.kafkaBrokers
    .split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);
  if (brokers.length === 0) throw new Error('KAFKA_BROKERS is empty');
  const addresses = brokers.map((broker) => parseHostPort(broker, DEFAULT_PORT));
  const local = addresses.every((address) => isLoopbackHost(address.host));

  const open = await Promise.all(addresses.map(({ host, port }) => isPortOpen(host, port)));
  if (open.some(Boolean)) {
    if (local && !open.every(Boolean)) {
      // Part of a local cluster: starting the missing nodes would make a second, separate
      // cluster beside the running nodes; reusing it would hide a dead broker.
      const silent = brokers.filter((_, index) => !open[index]);
      throw new Error(
        `only part of the local Kafka cluster at ${options.kafkaBrokers} answers ` +
          `(nothing listens on ${silent.join(', ')}): stop the other brokers or start the missing ones`,
      );
    }
    // Something listens: it may be a broker that is still starting (e.g. started by a parallel
    // `npm start`), so give it time to answer rather than failing or starting a second one.
    await waitUntil(() => kafkaAnswers(brokers), {
      what: `the Kafka broker at ${options.kafkaBrokers} to answer`,
      timeoutMs: 30_000,
      intervalMs: 500,
    });
    options.log(`kafka: using ${options.kafkaBrokers} (already running)`);
    return undefined;
  }

  if (!local) {
    throw new Error(
      `no Kafka broker reachable at ${options.kafkaBrokers}; local brokers are only started for ` +
        'addresses on this machine (e.g. localhost:9092)',
    );
  }
  if (addresses.length > 1) return clusterProcess(await startKafkaCluster(options, addresses));
  return startKafka(options, addresses[0] as HostPort);
}

async function startKafka(
  options: InfraOptions,
  { host, port }: HostPort,
): Promise<ManagedProcess> {
  const runtime = await kafkaRuntime(options.cacheDir);
  const spec = {
    name: 'the Kafka broker',
    layout: kafkaLayout(options.dataDir),
    // The controller (KRaft quorum) listens on the next port: 9093 next to the default 9092.
    config: singleNodeConfig({ advertisedHost: host, port, controllerPort: port + 1 }),
    heap: ['-Xms256m', '-Xmx768m'],
  };
  await prepareKafkaNode(runtime, spec);

  const started = Date.now();
  const broker = await startKafkaNode(runtime, spec);
  const address = `${host}:${port}`;
  try {
    await waitUntil(() => kafkaAnswers([address]), {
      what: `Kafka to answer on ${address}`,
      timeoutMs: READY_TIMEOUT_MS,
      intervalMs: 500,
      process: broker,
    });
  } catch (error) {
    await broker.stop();
    throw error;
  }
  const download = runtime.downloadMs
    ? `, after downloading its jars in ${(runtime.downloadMs / 1000).toFixed(1)} s`
    : '';
  options.log(
    `kafka: started Kafka ${KAFKA_VERSION} (KRaft) on ${address} in ${seconds(started)}${download}`,
  );
  return broker;
}

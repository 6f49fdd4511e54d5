// Kafka: use the configured brokers when they answer, otherwise run a single-node KRaft broker
// (Kafka 3.9.1 from Maven Central jars) with its data under <dataDir>/kafka.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { findJava } from './executables.ts';
import { clusterId, isFormatted, kafkaLayout, writeKafkaConfig } from './kafka-config.ts';
import { ensureKafkaJars, KAFKA_VERSION } from './kafka-jars.ts';
import type { ManagedProcess } from './process.ts';
import { runCommand, startProcess } from './process.ts';
import { isLoopbackHost, isPortOpen, parseHostPort, seconds, waitUntil } from './reachability.ts';
import type { InfraOptions } from './types.ts';

const DEFAULT_PORT = 9092;
const READY_TIMEOUT_MS = 90_000;

/** True when the brokers answer a metadata request (describeCluster) with at least one broker. */
export async function kafkaAnswers(brokers: string[], timeoutMs = 2000): Promise<boolean> {
  const kafka = new Kafka({
    clientId: 'pulsehub-infra',
    brokers,
    // kafkajs logs every failed connection attempt at ERROR; while polling those are expected.
    logLevel: logLevel.NOTHING,
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Returns the broker process when we started one, undefined when an existing one is used. */
export async function ensureKafka(options: InfraOptions): Promise<ManagedProcess | undefined> {
  const brokers = options.kafkaBrokers
    .split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);
  if (brokers.length === 0) throw new Error('KAFKA_BROKERS is empty');

  const open = await Promise.all(
    brokers.map((broker) => {
      const { host, port } = parseHostPort(broker, DEFAULT_PORT);
      return isPortOpen(host, port);
    }),
  );
  if (open.some(Boolean)) {
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

  const { host, port } = parseHostPort(brokers[0] as string, DEFAULT_PORT);
  if (brokers.length > 1 || !isLoopbackHost(host)) {
    throw new Error(
      `no Kafka broker reachable at ${options.kafkaBrokers}; a local broker is only started for ` +
        'a single address on this machine (e.g. localhost:9092)',
    );
  }
  return startKafka(options, host, port);
}

async function startKafka(
  options: InfraOptions,
  host: string,
  port: number,
): Promise<ManagedProcess> {
  const java = findJava();
  const jars = await ensureKafkaJars(options.cacheDir);
  const layout = kafkaLayout(options.dataDir);
  mkdirSync(layout.home, { recursive: true });
  // The controller (KRaft quorum) listens on the next port: 9093 next to the default 9092.
  writeKafkaConfig(layout, { advertisedHost: host, port, controllerPort: port + 1 });

  // Java expands the `dir/*` classpath wildcard itself; no shell involved.
  const classpath = join(jars.libsDir, '*');
  const log4j = `-Dlog4j.configuration=${pathToFileURL(layout.log4jProperties).href}`;

  if (!isFormatted(layout)) {
    // KRaft storage must be formatted once with the cluster id before the first start.
    await runCommand(java, [
      '-cp',
      classpath,
      log4j,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId(layout),
      '-c',
      layout.serverProperties,
      '--ignore-formatted',
    ]);
  }

  const started = Date.now();
  const broker = await startProcess({
    name: 'the Kafka broker',
    command: java,
    args: [
      '-Xms256m',
      '-Xmx768m',
      '-XX:+ExitOnOutOfMemoryError',
      '-Djava.awt.headless=true',
      '-cp',
      classpath,
      log4j,
      'kafka.Kafka',
      layout.serverProperties,
    ],
    logFile: layout.logFile,
    // A controlled shutdown flushes logs and writes a clean-shutdown marker (fast next start).
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 30_000,
  });
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
  const download = jars.downloadMs
    ? `, after downloading its jars in ${(jars.downloadMs / 1000).toFixed(1)} s`
    : '';
  options.log(
    `kafka: started Kafka ${KAFKA_VERSION} (KRaft) on ${address} in ${seconds(started)}${download}`,
  );
  return broker;
}

// One Kafka JVM from the Maven Central jars: format its KRaft storage once, then run it. Shared
// by the single local broker (infra/kafka.ts) and each node of a local cluster
// (infra/kafka-cluster.ts).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findJava } from './executables.ts';
import { clusterId, isFormatted, writeKafkaConfig } from './kafka-config.ts';
import type { KafkaLayout, NodeConfig } from './kafka-config.ts';
import { ensureKafkaJars } from './kafka-jars.ts';
import type { ManagedProcess } from './process.ts';
import { runCommand, startProcess } from './process.ts';

/** What running any Kafka node needs: the java binary and the jars' classpath. */
export interface KafkaRuntime {
  java: string;
  classpath: string;
  /** Set when this call downloaded the jars (first run). */
  downloadMs?: number;
}

export async function kafkaRuntime(cacheDir: string): Promise<KafkaRuntime> {
  const java = findJava();
  const jars = await ensureKafkaJars(cacheDir);
  // Java expands the `dir/*` classpath wildcard itself; no shell involved.
  const classpath = join(jars.libsDir, '*');
  return jars.downloadMs === undefined
    ? { java, classpath }
    : { java, classpath, downloadMs: jars.downloadMs };
}

export interface KafkaNodeSpec {
  /** For messages, e.g. "the Kafka broker". */
  name: string;
  layout: KafkaLayout;
  config: NodeConfig;
  /** -Xms and -Xmx, e.g. ['-Xms256m', '-Xmx768m']. */
  heap: readonly string[];
}

function log4jOption(layout: KafkaLayout): string {
  return `-Dlog4j.configuration=${pathToFileURL(layout.log4jProperties).href}`;
}

/** Writes the node's configuration and formats its storage on first use. */
export async function prepareKafkaNode(runtime: KafkaRuntime, spec: KafkaNodeSpec): Promise<void> {
  const { layout } = spec;
  mkdirSync(layout.home, { recursive: true });
  writeKafkaConfig(layout, spec.config);
  if (isFormatted(layout)) return;
  // KRaft storage must be formatted once with the cluster id before the first start.
  await runCommand(runtime.java, [
    '-cp',
    runtime.classpath,
    log4jOption(layout),
    'kafka.tools.StorageTool',
    'format',
    '-t',
    clusterId(layout),
    '-c',
    layout.serverProperties,
    '--ignore-formatted',
  ]);
}

/** Starts the node's JVM (prepared before); does not wait for it to answer. */
export function startKafkaNode(
  runtime: KafkaRuntime,
  spec: KafkaNodeSpec,
): Promise<ManagedProcess> {
  const { layout } = spec;
  return startProcess({
    name: spec.name,
    command: runtime.java,
    args: [
      ...spec.heap,
      '-XX:+ExitOnOutOfMemoryError',
      '-Djava.awt.headless=true',
      '-cp',
      runtime.classpath,
      log4jOption(layout),
      'kafka.Kafka',
      layout.serverProperties,
    ],
    logFile: layout.logFile,
    // A controlled shutdown flushes logs and writes a clean-shutdown marker (fast next start).
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 30_000,
  });
}

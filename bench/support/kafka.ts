import { Kafka, logLevel, Partitioners, type Admin, type KafkaJSError } from 'kafkajs';
import { parseBrokers } from '../../lib/kafka/client.ts';
import { profileIdOf } from '../../schema/event.ts';
import { activityEvent, type EventPlan } from './events.ts';
import type { NodeProcess } from '../../scripts/node-process.ts';
import { assertRunning } from './scenario.ts';
import { readCpu } from './cpu.ts';
import { drainRate, type ProgressSample } from './stats.ts';

export function benchKafka(brokers: string, clientId = 'pulsehub-bench'): Kafka {
  return new Kafka({ clientId, brokers: parseBrokers(brokers), logLevel: logLevel.NOTHING });
}

const PRODUCE_CHUNK = 2_000; // events per send while pre-producing
const PRODUCE_IN_FLIGHT = 4; // sends in flight while pre-producing

/**
 * Writes events 0..count-1 of `plan` to `topic` as ingest would (same key and partitioner), so
 * consumers find a full topic to drain.
 */
export async function preProduce(
  brokers: string,
  topic: string,
  plan: EventPlan,
  count: number,
): Promise<void> {
  const producer = benchKafka(brokers).producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  try {
    let next = 0;
    const sendChunks = async () => {
      while (next < count) {
        const start = next;
        next = Math.min(count, next + PRODUCE_CHUNK);
        const messages = [];
        for (let index = start; index < next; index++) {
          const event = activityEvent(plan, index);
          messages.push({ key: profileIdOf(event), value: JSON.stringify(event) });
        }
        await producer.send({ topic, acks: -1, messages });
      }
    };
    await Promise.all(Array.from({ length: PRODUCE_IN_FLIGHT }, sendChunks));
  } finally {
    await producer.disconnect();
  }
}

/** Sum over partitions of the offsets `groupId` committed on `topic` (events consumed). */
export async function committedCount(
  admin: Admin,
  groupId: string,
  topic: string,
): Promise<number> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (offsets?.partitions ?? []).reduce(
    (sum, partition) => sum + Math.max(0, Number(partition.offset)),
    0,
  );
}

/**
 * The committed count, or the last one seen while the group's coordinator is still moving: on
 * a fresh broker the offsets topic is created by the first look, and kafkajs' own retries can
 * run out before its leader is elected. A non-retriable error still ends the run.
 */
async function committedOrUnknown(options: {
  admin: Admin;
  groupId: string;
  topic: string;
}): Promise<number | undefined> {
  try {
    return await committedCount(options.admin, options.groupId, options.topic);
  } catch (error) {
    // kafkajs' error classes are not runtime exports of its ESM entry: the flag is the contract.
    if ((error as Partial<KafkaJSError>).retriable === true) return undefined;
    throw error;
  }
}

/** A drain's rate and the CPU its consumer's process used over the same span. */
export interface Drain {
  events: number;
  seconds: number;
  rate: number;
  cpuSeconds?: number;
}

const NO_COMMIT_LIMIT_MS = 90_000; // 90 seconds: start, group join and a first batch fit easily
const STALL_LIMIT_MS = 60_000; // 60 seconds without any committed progress mid-drain

/**
 * Watches a consumer group's committed offsets until it consumed `total` events of a fresh
 * topic and returns its drain rate. Every consumer (PulseHub's and the baselines) is measured
 * by this same outside observer, polling every `intervalMs`. Gives up, saying where the
 * consumer stood and what its process printed last, when the process exits, commits nothing
 * at all, stalls mid-drain, or exceeds `timeoutMs` (by default generous: a shared 2-core
 * machine may be slow, but a stuck consumer must end the run).
 */
export async function observeDrain(options: {
  admin: Admin;
  groupId: string;
  topic: string;
  total: number;
  /** The process that runs the consumer. */
  consumer: NodeProcess;
  timeoutMs?: number;
  intervalMs?: number;
}): Promise<Drain> {
  const { consumer } = options;
  const timeoutMs = options.timeoutMs ?? Math.max(180_000, (options.total / 200) * 1_000);
  const samples: ProgressSample[] = [];
  const startedAt = Date.now();
  let lastChangeAt = startedAt;
  const fail = (reason: string): never => {
    throw new Error(
      `group ${options.groupId} ${reason}\n${consumer.name} output:\n${consumer.output().slice(-3_000)}`,
    );
  };
  for (;;) {
    assertRunning(consumer);
    const looked = await committedOrUnknown(options);
    const now = Date.now();
    const committed = looked ?? samples.at(-1)?.committed ?? 0;
    if (looked !== undefined) {
      if (committed !== samples.at(-1)?.committed) lastChangeAt = now;
      const pid = consumer.child.pid;
      const cpuSeconds =
        pid === undefined ? undefined : readCpu({ consumer: pid }).processes['consumer'];
      samples.push({
        atMs: performance.now(),
        committed,
        ...(cpuSeconds === undefined ? {} : { cpuSeconds }),
      });
      if (committed >= options.total) break;
    }
    if (committed === 0 && now - startedAt > NO_COMMIT_LIMIT_MS)
      fail(
        `committed no offset within ${NO_COMMIT_LIMIT_MS / 1_000} s: a consumer that never commits cannot be measured (and re-reads everything after a restart)`,
      );
    if (committed > 0 && now - lastChangeAt > STALL_LIMIT_MS)
      fail(
        `stalled at ${committed} of ${options.total} events: no progress for ${STALL_LIMIT_MS / 1_000} s`,
      );
    if (now - startedAt > timeoutMs)
      fail(`consumed ${committed} of ${options.total} events within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 20));
  }
  const measured = drainRate(samples, options.total);
  if (measured === undefined)
    fail(
      `consumed all ${options.total} events before the first look: too few to measure, raise --events`,
    );
  return measured as Drain;
}

/** Removes consumer groups the benchmark created (Kafka keeps empty groups for days). */
export async function deleteGroups(admin: Admin, groupIds: string[]): Promise<void> {
  if (groupIds.length > 0) await admin.deleteGroups(groupIds).catch(() => undefined);
}

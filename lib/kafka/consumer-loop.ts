import type {
  Consumer,
  ConsumerConfig,
  EachBatchPayload,
  Kafka,
  KafkaMessage,
  Producer,
} from 'kafkajs';
import type { Component } from '../lifecycle.ts';
import type { Logger } from '../logger.ts';
import { createBackgroundCommits, type BackgroundCommits } from './background-commits.ts';
import { createProducer } from './client.ts';
import type { ConsumerMetrics } from './consumer-metrics.ts';
import { deadLetterOf, sendDeadLetters, type DeadLetter } from './dead-letter.ts';
import { DEFAULT_LEAVE_TIMEOUT_MS } from './leave-group.ts';
import { createSinkGuard, type SinkGuard } from './sink-guard.ts';

/** One message turned into what the sink takes, or why it never can be. */
export type DecodedMessage<T> =
  | { ok: true; value: T }
  | {
      ok: false;
      /** The metric label (empty, too_large, not_json, invalid, unstorable, …). */
      kind: string;
      /** The dead letter's reason. */
      reason: string;
    };

/** A batch of one partition with its decoded messages; undecodable ones were set aside. */
export interface ConsumedBatch<T> {
  topic: string;
  partition: number;
  messages: Array<{ value: T; offset: number }>;
  /** Keeps the group membership alive during long work inside a batch (throttled by kafkajs). */
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping or the partition moved on: stop retrying, throw. */
  isActive(): boolean;
  /** Sends these messages of the batch (original bytes) to the dead-letter topic with the reason. */
  deadLetter(items: ReadonlyArray<{ offset: number; reason: string }>): Promise<void>;
  /**
   * Runs a write to the sink until it succeeds (see createSinkGuard): while it fails the
   * consumer pauses and `ready()` says false. Throws only when the batch is no longer ours.
   * Without `sink` options the work runs once.
   */
  untilStored<R>(work: () => Promise<R>): Promise<R>;
}

export interface ConsumerLoopOptions<T> {
  /** Names the component, its log lines and the dead letters' `failedBy`. */
  name: string;
  kafka: Kafka;
  groupId: string;
  topic: string;
  deadLetterTopic: string;
  logger: Logger;
  decode(message: KafkaMessage, partition: number): DecodedMessage<T>;
  /**
   * What happens to a message `decode` refuses: `dead-letter` (this group owns the topic's
   * dead letters) or `skip` (counted only: another group reading the same topic with the same
   * decode dead-letters it, so the dead-letter topic holds one copy).
   */
  undecodable: 'dead-letter' | 'skip';
  /** Applies a batch to the sink; its offsets are committed only after it resolved. */
  handleBatch(batch: ConsumedBatch<T>): Promise<void>;
  consumerConfig?: Partial<ConsumerConfig>;
  /** Partitions handled at the same time. Default 1. */
  partitionsConsumedConcurrently?: number;
  /** Longest wait for the group leave on stop (default 5 seconds); see disconnectWithin. */
  leaveTimeoutMs?: number;
  /** Sends the dead letters; created with createProducer when absent. Connected and
   * disconnected with the consumer either way. */
  producer?: Producer;
  metrics?: ConsumerMetrics;
  /** Retries of sink writes made through `untilStored`; absent: a write runs once. */
  sink?: {
    name: string;
    initialBackoffMs: number;
    maxBackoffMs: number;
    describeError?(error: unknown): string;
    onAvailability?(available: boolean): void;
  };
  /** Waits before replacing a consumer kafkajs stopped for good; doubles up to the maximum. */
  restartBackoff?: { initialMs: number; maxMs: number };
}

/** The lifecycle of the loop's consumer; `/ready` is true in `running` only. */
type LoopState =
  | { kind: 'stopped' }
  | { kind: 'starting' }
  | { kind: 'running' }
  /** kafkajs crashed; it restarts the consumer itself (retriable) or we replace it. */
  | { kind: 'recovering'; reason: string }
  | { kind: 'stopping' };

/** One kafkajs consumer and its commits: replaced whole when kafkajs gives up on it. */
interface Member {
  consumer: Consumer;
  commits: BackgroundCommits;
}

const DEFAULT_RESTART_BACKOFF = { initialMs: 1_000, maxMs: 30_000 }; // 1 second, up to 30

/**
 * The one consumer loop of PulseHub: a consumer-group member of one topic with at-least-once
 * delivery into a sink that makes redelivery harmless. Offsets are committed (in the
 * background, createBackgroundCommits) only after the sink acknowledged; a message that can
 * never be decoded is dead-lettered with the reason (or skipped, see `undecodable`); writes
 * the sink refuses for a while pause the consumer and are retried (`untilStored`); and a
 * consumer kafkajs stops for good (a non-retriable error) is replaced by a new one with
 * backoff, `ready()` false meanwhile, so a service is never left alive without its consumer.
 */
export function createConsumerLoop<T>(options: ConsumerLoopOptions<T>): Component {
  const { kafka, topic, logger, name, metrics } = options;
  const producer = options.producer ?? createProducer(kafka);
  const restartBackoff = options.restartBackoff ?? DEFAULT_RESTART_BACKOFF;
  let state: LoopState = { kind: 'stopped' };
  let member: Member | undefined;
  let restartDelayMs = restartBackoff.initialMs;
  let restartTimer: NodeJS.Timeout | undefined;

  // A function, not the variable: the state changes across every await of the code reading it.
  const stateNow = (): LoopState => state;
  const setState = (next: LoopState): void => {
    if (next.kind !== state.kind) logger.info({ component: name, state: next }, 'consumer state');
    state = next;
  };
  const topics = [{ topic }];
  const guard: SinkGuard | undefined =
    options.sink &&
    createSinkGuard({
      ...options.sink,
      logger,
      ...(options.sink.describeError ? { describe: options.sink.describeError } : {}),
      pause: () => member?.consumer.pause(topics),
      resume: () => member?.consumer.resume(topics),
    });

  async function eachBatch(payload: EachBatchPayload, commits: BackgroundCommits): Promise<void> {
    const { batch } = payload;
    const last = batch.messages[batch.messages.length - 1];
    if (last === undefined) return;
    const stopTimer = metrics?.batchDuration.startTimer();
    const letter = (message: KafkaMessage, reason: string): DeadLetter =>
      deadLetterOf(batch, message, reason, name);
    const messages: ConsumedBatch<T>['messages'] = [];
    const refused: DeadLetter[] = [];
    for (const message of batch.messages) {
      const decoded = options.decode(message, batch.partition);
      if (decoded.ok) {
        messages.push({ value: decoded.value, offset: Number(message.offset) });
        continue;
      }
      if (options.undecodable === 'skip') {
        metrics?.skipped.inc({ kind: decoded.kind });
        continue;
      }
      logger.warn(
        { topic, partition: batch.partition, offset: message.offset, reason: decoded.reason },
        'dead-lettering message',
      );
      metrics?.deadLettered.inc({ kind: decoded.kind });
      refused.push(letter(message, decoded.reason));
    }
    const isActive = () => commits.isActive(payload);
    if (!isActive()) return;
    await sendDeadLetters(producer, options.deadLetterTopic, refused);
    const handle = { isActive, heartbeat: payload.heartbeat };
    await options.handleBatch({
      topic: batch.topic,
      partition: batch.partition,
      messages,
      heartbeat: payload.heartbeat,
      isActive,
      deadLetter: async (items) => {
        const byOffset = new Map(batch.messages.map((m) => [Number(m.offset), m]));
        const letters = items.flatMap(({ offset, reason }) => {
          const message = byOffset.get(offset);
          return message ? [letter(message, reason)] : [];
        });
        await sendDeadLetters(producer, options.deadLetterTopic, letters);
      },
      untilStored: (work) => (guard ? guard.run(work, handle) : work()),
    });
    commits.done(payload, last.offset);
    stopTimer?.();
    metrics?.lag.set({ partition: String(batch.partition) }, Number(batch.offsetLag()));
    await payload.heartbeat();
  }

  function createMember(): Member {
    const consumer = kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      ...options.consumerConfig,
    });
    const commits = createBackgroundCommits(consumer, [topic], logger, name);
    const current = () => member?.consumer === consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (!current() || state.kind === 'stopping' || state.kind === 'stopped') return;
      restartDelayMs = restartBackoff.initialMs;
      setState({ kind: 'running' });
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!current() || state.kind === 'stopping' || state.kind === 'stopped') return;
      const reason = `${payload.error.name}: ${payload.error.message}`;
      setState({ kind: 'recovering', reason });
      // A retriable crash: kafkajs rejoins by itself and GROUP_JOIN reports it running again.
      if (payload.restart) return;
      logger.error(
        {
          err: payload.error,
          component: name,
          groupId: options.groupId,
          retryInMs: restartDelayMs,
        },
        'kafkajs stopped the consumer for good; replacing it',
      );
      scheduleRestart();
    });
    return { consumer, commits };
  }

  async function run(next: Member): Promise<void> {
    await next.consumer.connect();
    await next.consumer.subscribe({ topic, fromBeginning: true });
    await next.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
      eachBatch: next.commits.track((payload) => eachBatch(payload, next.commits)),
    });
  }

  function scheduleRestart(): void {
    const delayMs = restartDelayMs;
    restartDelayMs = Math.min(restartDelayMs * 2, restartBackoff.maxMs);
    clearTimeout(restartTimer);
    restartTimer = setTimeout(() => void restart(), delayMs);
  }

  async function restart(): Promise<void> {
    const crashed = member;
    // kafkajs disconnected it already; this only settles what the old member still held.
    await crashed?.commits.stop(options.leaveTimeoutMs ?? DEFAULT_LEAVE_TIMEOUT_MS);
    if (stateNow().kind !== 'recovering') return;
    metrics?.restarts.inc();
    member = createMember();
    const replacement = member;
    try {
      await run(replacement);
      const now = stateNow().kind;
      if (now === 'recovering') setState({ kind: 'running' });
      // A stop that came while it joined stopped the crashed member, not this one.
      else if (now === 'stopping' || now === 'stopped')
        await replacement.commits.stop(options.leaveTimeoutMs ?? DEFAULT_LEAVE_TIMEOUT_MS);
    } catch (error) {
      if (stateNow().kind !== 'recovering') return;
      logger.error({ err: error, component: name }, 'consumer restart failed; trying again');
      scheduleRestart();
    }
  }

  return {
    name,
    async start() {
      setState({ kind: 'starting' });
      await producer.connect();
      member = createMember();
      await run(member);
      setState({ kind: 'running' });
    },
    async stop() {
      setState({ kind: 'stopping' });
      clearTimeout(restartTimer);
      // Leaving the group (after the batch in hand) hands the partitions over before the producer goes.
      await member?.commits.stop(options.leaveTimeoutMs ?? DEFAULT_LEAVE_TIMEOUT_MS);
      await producer.disconnect();
      setState({ kind: 'stopped' });
    },
    ready: () => Promise.resolve(state.kind === 'running' && (guard?.available() ?? true)),
  };
}

// Broker failover on a three-broker cluster of the test's own: topics with three replicas, two
// of them needed for a write. The broker leading the events partitions is killed, then the one
// that took over; ingest must keep answering 200 with one broker down, answer 503 (never 200)
// with only one replica left, and after the brokers return every 200 must be counted once.
//
// The brokers are stopped with SIGKILL: a crash hands no leadership over and flushes nothing,
// the harder case (a controlled SIGTERM shutdown moves the leaders first). An acknowledged
// event must then survive on the followers alone.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { KafkaClusterNode } from '../infra/kafka-cluster.ts';
import { createLogger } from '../lib/logger.ts';
import { startDistinctPosts, type Post } from './support/distinct-posts.ts';
import { eventually, sendSegment } from './support/http.ts';
import {
  partitionStates,
  startOwnKafkaCluster,
  topicSetting,
  type OwnKafkaCluster,
} from './support/kafka-cluster.ts';
import { createNamespace, type Namespace } from './support/namespace.ts';
import { sandboxProfiles } from './support/profiles.ts';
import { startSystem, type RunningSystem } from './support/system.ts';

const PARTITIONS = 3;
/** Answered posts that show a phase's state (accepting, or refusing) is not a fluke. */
const ENOUGH_POSTS = 20;
const REFUSED_POSTS = 4;

describe('broker failover: three brokers, replication 3, min.insync.replicas 2', () => {
  let own: OwnKafkaCluster | undefined;
  let namespace: Namespace | undefined;
  let system: RunningSystem | undefined;
  let profiles: ReturnType<typeof sandboxProfiles> | undefined;

  beforeAll(async () => {
    own = await startOwnKafkaCluster(3);
    // The same topic creation as `npm start` and every sandbox (lib/kafka/topics.ts).
    namespace = await createNamespace(
      {
        kafkaBrokers: own.cluster.brokers,
        redisUrl: inject('redisUrl'),
        databaseUrl: inject('databaseUrl'),
      },
      { idPrefix: 't', partitions: PARTITIONS },
    );
    // Every service retries Kafka loudly while the quorum is gone; the assertions say enough.
    system = await startSystem(namespace, { logger: (name) => createLogger(name, 'fatal') });
    profiles = sandboxProfiles(namespace);
  }, 180_000);

  afterAll(async () => {
    profiles?.close();
    await system?.stop();
    await namespace?.dispose();
    await own?.dispose();
  }, 120_000);

  const cluster = () => (own as OwnKafkaCluster).cluster;
  const topics = () => (namespace as Namespace).topics;

  it('creates every topic with three replicas, two of them required in sync', async () => {
    for (const topic of Object.values(topics())) {
      const partitions = await partitionStates(cluster().nodes, topic);
      expect(partitions.length, topic).toBeGreaterThan(0);
      for (const partition of partitions) expect(partition.replicas, topic).toHaveLength(3);
      expect(await topicSetting(cluster(), topic, 'min.insync.replicas'), topic).toBe('2');
    }
  });

  it('answers 200 only for what survives two broker crashes, and counts each 200 once', async () => {
    const { gatewayUrl } = system as RunningSystem;
    const posts = startDistinctPosts({ gatewayUrl, tag: (namespace as Namespace).id });
    const accepted = (since: number) => posts.since(since).filter((post) => post.status === 200);
    const untilAccepting = (since: number, timeoutMs: number) =>
      eventually(
        async () => (accepted(since).length >= ENOUGH_POSTS ? true : undefined),
        timeoutMs,
        100,
      );
    /** The running broker leading the events topic's first partition once every partition has a running leader. */
    const leaderOnceLed = () =>
      eventually(async () => {
        const running = cluster().nodes.filter((node) => node.process.isRunning());
        const states = await partitionStates(cluster().nodes, topics().events);
        const led = states.every((state) => running.some((node) => node.nodeId === state.leader));
        return led ? cluster().node((states[0] as { leader: number }).leader) : undefined;
      }, 60_000);
    const killed: KafkaClusterNode[] = [];
    try {
      await untilAccepting(0, 60_000);

      // First crash: the leader. Two replicas stay in sync, so writes go on after failover.
      const firstLeader = await leaderOnceLed();
      await firstLeader.stop('SIGKILL');
      killed.push(firstLeader);
      const failedOver = await leaderOnceLed();
      await untilAccepting(Date.now(), 60_000);

      // Second crash: the leader that took over. One broker is left, one replica in sync
      // (and no controller quorum): nothing can be acknowledged by two replicas.
      await failedOver.stop('SIGKILL');
      killed.push(failedOver);
      const aloneFrom = Date.now();
      const whileAlone = await eventually(async () => {
        const answered = posts.since(aloneFrom);
        return answered.length >= REFUSED_POSTS ? answered : undefined;
      }, 60_000);
      expect(whileAlone.filter((post) => post.status === 200)).toEqual([]);
      expect(whileAlone.some((post) => post.status === 503)).toBe(true);

      // Recovery: both brokers back; the replicas catch up and writes are accepted again.
      const restartedAt = Date.now();
      await Promise.all(killed.map((node) => node.start()));
      // Every answer that came while one broker ran, not only the first few: all refusals.
      const answeredAlone = posts.since(aloneFrom).filter((post) => post.answeredAt < restartedAt);
      expect(answeredAlone.filter((post) => post.status === 200)).toEqual([]);
      await untilAccepting(restartedAt, 90_000);
    } finally {
      await posts.stop();
    }

    const all = posts.answered;
    const acknowledged = all.filter((post) => post.status === 200);
    expect(all.some((post) => post.status === 503)).toBe(true);
    const counts = async (of: readonly Post[]) => {
      const stored = await (profiles as ReturnType<typeof sandboxProfiles>).store.readMany(
        of.map((post) => post.userId),
      );
      return stored.map((profile) => profile?.profile.eventCount ?? 0);
    };
    // Every 200 counted: wait until the processor caught up with what the brokers kept.
    await eventually(
      async () => ((await counts(acknowledged)).every((count) => count === 1) ? true : undefined),
      60_000,
      250,
    );
    // Exactly once: a refused event may have landed anyway (a write the client was not told
    // about), but none is counted twice.
    const countOf = await counts(all);
    expect(all.filter((_, index) => (countOf[index] ?? 0) > 1)).toEqual([]);
    expect((await counts(acknowledged)).filter((count) => count !== 1)).toEqual([]);

    // Ingest works again, end to end.
    const after = `${(namespace as Namespace).id}-after`;
    const answer = await sendSegment(gatewayUrl, 'track', { userId: after, event: 'Recovered' });
    expect(answer.status).toBe(200);
    await eventually(async () => {
      const [stored] = await (profiles as ReturnType<typeof sandboxProfiles>).store.readMany([
        after,
      ]);
      return stored?.profile.eventCount === 1 ? true : undefined;
    }, 30_000);
  }, 240_000);
});

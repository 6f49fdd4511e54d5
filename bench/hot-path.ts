// Hot-path throughput on this machine: the processor draining pre-produced events (beside a
// bare kafkajs consumer draining the same topic, for scale), and ingest taking /v1/batch
// requests of 100 events. Uses the Kafka and Redis at KAFKA_BROKERS / REDIS_URL (defaults: the
// local ports) in topics and a key prefix of its own, removed at the end.
//
//   node --import tsx bench/hot-path.ts [events=50000] [profiles=1000] [ingestEvents=50000]
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { loadServiceConfig } from '../config/client/load.ts';
import { gatewayConfigSchema } from '../gateway/config.ts';
import { createGatewayService } from '../gateway/service.ts';
import { createProducer, parseBrokers } from '../lib/kafka/client.ts';
import { ensureTopics } from '../lib/kafka/topics.ts';
import { createLogger } from '../lib/logger.ts';
import { startService, stopService, type Service } from '../lib/service.ts';
import { processorConfigSchema } from '../processor/config.ts';
import { createProcessorService } from '../processor/service.ts';
import { topicSpecs, type TopicNames } from '../schema/topics.ts';

const [events = 50_000, profiles = 1_000, ingestEvents = 50_000] = process.argv
  .slice(2)
  .map(Number);
const brokers = process.env['KAFKA_BROKERS'] ?? 'localhost:9092';
const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const PARTITIONS = 6;
const id = `bench${randomBytes(3).toString('hex')}`;
const kafka = new Kafka({
  clientId: id,
  brokers: parseBrokers(brokers),
  logLevel: logLevel.NOTHING,
});
const silent = createLogger('bench', 'silent');

function topicsFor(name: string): TopicNames {
  return {
    events: `${id}.${name}.events`,
    deadLetter: `${id}.${name}.dlq`,
    changelog: `${id}.${name}.changelog`,
  };
}

function overrides(topics: TopicNames): Record<string, unknown> {
  return {
    kafka: { brokers, clientId: id },
    topics: { ...topics, partitions: PARTITIONS },
    redis: { url: redisUrl, keyPrefix: `${id}:` },
    http: { host: '127.0.0.1', port: 0 },
    consumer: { groupId: `${id}-processor` },
    log: { level: 'silent' },
  };
}

function event(i: number): Record<string, unknown> {
  const time = new Date(Date.parse('2026-01-01T00:00:00.000Z') + i * 1_000).toISOString();
  return {
    type: i % 5 === 0 ? 'page' : 'track',
    event: `Event ${i % 4}`,
    userId: `user-${i % profiles}`,
    messageId: `${id}-${i}`,
    properties: { index: i, plan: 'pro' },
    context: {
      userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0.0.0 Safari/537.36',
    },
    timestamp: time,
    receivedAt: time,
  };
}

/** Polls `count` until it reaches `total`; the rate runs from the first counted message. */
async function rateOf(count: () => Promise<number>, total: number): Promise<number> {
  let start: { at: number; count: number } | undefined;
  for (;;) {
    const now = performance.now();
    const current = await count();
    if (start === undefined && current > 0) start = { at: now, count: current };
    if (current >= total && start) return ((current - start.count) / (now - start.at)) * 1_000;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function bareConsumerRate(topic: string): Promise<number> {
  let seen = 0;
  const consumer = kafka.consumer({ groupId: `${id}-bare`, maxWaitTimeInMs: 20 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      // Parsing is part of any real consumer's work.
      for (const message of batch.messages) JSON.parse(message.value?.toString() ?? 'null');
      seen += batch.messages.length;
    },
  });
  const rate = await rateOf(() => Promise.resolve(seen), events);
  await consumer.disconnect();
  return rate;
}

async function processorRate(): Promise<{ processor: number; bare: number }> {
  const topics = topicsFor('drain');
  await ensureTopics(parseBrokers(brokers), topicSpecs(topics, PARTITIONS));
  const producer = createProducer(kafka);
  await producer.connect();
  for (let i = 0; i < events; i += 5_000) {
    const messages = [];
    for (let j = i; j < Math.min(i + 5_000, events); j++) {
      const value = event(j);
      messages.push({ key: String(value['userId']), value: JSON.stringify(value) });
    }
    await producer.send({ topic: topics.events, acks: -1, messages });
  }
  await producer.disconnect();
  const bare = await bareConsumerRate(topics.events);

  const config = await loadServiceConfig('processor', processorConfigSchema, {
    env: {},
    profiles: [],
    overrides: overrides(topics),
  });
  const service = createProcessorService(config, silent);
  await startService(service);
  const metricsUrl = `http://127.0.0.1:${service.http.port()}/metrics`;
  const processed = async () => {
    const text = await (await fetch(metricsUrl)).text();
    return Number(/^pulsehub_processor_events_applied_total\{[^}]*\} (\d+)$/m.exec(text)?.[1] ?? 0);
  };
  const processor = await rateOf(processed, events);
  await stopService(service);
  return { processor, bare };
}

async function ingestRate(): Promise<number> {
  const topics = topicsFor('ingest');
  await ensureTopics(parseBrokers(brokers), topicSpecs(topics, PARTITIONS));
  const config = await loadServiceConfig('gateway', gatewayConfigSchema, {
    env: {},
    profiles: [],
    overrides: overrides(topics),
  });
  const gateway: Service = createGatewayService(config, silent);
  await startService(gateway);
  const url = `http://127.0.0.1:${gateway.http.port()}/v1/batch`;
  const auth = `Basic ${Buffer.from('dev-write-key:').toString('base64')}`;
  const requests = Math.ceil(ingestEvents / 100);
  const concurrency = 8;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        const request = next++;
        const batch = Array.from({ length: 100 }, (_, k) => {
          const { receivedAt: _r, ...call } = event(request * 100 + k);
          return call;
        });
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: auth },
          body: JSON.stringify({ batch }),
        });
        if (response.status !== 200) throw new Error(`ingest answered ${response.status}`);
        await response.arrayBuffer();
      }
    }),
  );
  const rate = (requests * 100 * 1_000) / (performance.now() - started);
  await stopService(gateway);
  return rate;
}

async function cleanUp(): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const mine = (await admin.listTopics()).filter((topic) => topic.startsWith(`${id}.`));
  await admin.deleteTopics({ topics: mine }).catch(() => undefined);
  await admin.disconnect();
  const redis = new Redis(redisUrl);
  let cursor = '0';
  do {
    const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${id}:*`, 'COUNT', 1_000);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = nextCursor;
  } while (cursor !== '0');
  redis.disconnect();
}

try {
  const drain = await processorRate();
  const ingest = await ingestRate();
  const line = (name: string, value: number) =>
    console.log(`${name.padEnd(44)} ${Math.round(value)} events/s`);
  console.log(
    `hot-path bench: ${events} events over ${profiles} profiles, ${PARTITIONS} partitions`,
  );
  line('bare kafkajs consumer drain (JSON.parse only)', drain.bare);
  line('processor drain (Redis + changelog + commit)', drain.processor);
  console.log(
    `${'processor / bare consumer'.padEnd(44)} ${((drain.processor / drain.bare) * 100).toFixed(0)} %`,
  );
  line(`ingest /v1/batch (100-event batches, 8 clients)`, ingest);
} finally {
  await cleanUp();
}
process.exit(0);

import RequestQueue from 'kafkajs/src/network/requestQueue/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka, createProducer, parseBrokers } from '../lib/kafka/client.ts';
import { createLogger } from '../lib/logger.ts';
import { createSandbox, type Sandbox } from './support/isolation.ts';

describe('Kafka connections', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await createSandbox();
  });
  afterAll(async () => {
    await sandbox?.dispose();
  });

  it('run no timer loop while idle, and still send and answer', async () => {
    const kafka = createKafka(
      parseBrokers(sandbox.kafkaBrokers),
      `${sandbox.id}-idle`,
      createLogger('test', 'warn'),
    );
    const producer = createProducer(kafka);
    const admin = kafka.admin();
    const original = RequestQueue.prototype.checkPendingRequests;
    let checks = 0;
    RequestQueue.prototype.checkPendingRequests = function (this: RequestQueue) {
      checks++;
      original.call(this);
    };
    try {
      await producer.connect();
      await admin.connect();
      await producer.send({ topic: sandbox.topics.events, acks: -1, messages: [{ value: 'x' }] });
      checks = 0;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      // Stock kafkajs 2.2.4 checks each open connection about every millisecond here.
      expect(checks).toBeLessThan(20);

      const offsets = await admin.fetchTopicOffsets(sandbox.topics.events);
      expect(offsets.reduce((sum, { high }) => sum + Number(high), 0)).toBe(1);
    } finally {
      RequestQueue.prototype.checkPendingRequests = original;
      await producer.disconnect();
      await admin.disconnect();
    }
  });
});

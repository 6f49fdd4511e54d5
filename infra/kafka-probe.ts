// Asking a Kafka cluster which brokers it has: the readiness check of every broker we start.
import { Kafka, logLevel } from 'kafkajs';

/** The node ids of the brokers the cluster reports (describeCluster); throws if none answers. */
export async function describeBrokers(brokers: string[], timeoutMs = 2000): Promise<number[]> {
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
    return cluster.brokers.map((broker) => broker.nodeId);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** True when the brokers answer a metadata request (describeCluster) with at least one broker. */
export async function kafkaAnswers(brokers: string[], timeoutMs = 2000): Promise<boolean> {
  return (await describeBrokers(brokers, timeoutMs)).length > 0;
}

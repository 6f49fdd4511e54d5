/**
 * Event → subscriber latency: from the moment `POST /v1/batch` is sent to the moment a
 * graphql-ws subscriber through the gateway receives the profile change it caused.
 *
 *   node --import tsx bench/subscription-latency.ts [--rate 1000] [--seconds 20]
 *     [--profiles 100] [--connections 10] [--with-activities]
 *     [--gateway http://127.0.0.1:4000 --token TOKEN]
 *
 * Without --gateway it starts the whole system as separate processes (like `npm start`) in
 * its own topics, key prefix and database, and removes them afterwards; this process is only
 * the load generator and the subscribers.
 */
import { parseArgs } from 'node:util';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startSpawnedSystem, type SpawnedSystem } from './spawned-system.ts';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '20' },
    profiles: { type: 'string', default: '100' },
    connections: { type: 'string', default: '10' },
    gateway: { type: 'string' },
    token: { type: 'string' },
    'write-key': { type: 'string', default: 'dev-write-key' },
    // Adds the Activity subgraph's `activities` to every message (one entity fetch per event).
    'with-activities': { type: 'boolean', default: false },
  },
});
const rate = Number(values.rate); // events per second
const seconds = Number(values.seconds);
const profileCount = Number(values.profiles);
const connectionCount = Number(values.connections);
const TICK_MS = 10; // one batch every 10 ms
const perTick = Math.max(1, Math.round((rate * TICK_MS) / 1_000));

const system: SpawnedSystem | undefined = values.gateway ? undefined : await startSpawnedSystem();
const gatewayUrl = values.gateway ?? system?.gatewayUrl ?? '';
const auth = `Basic ${Buffer.from(`${values['write-key']}:`).toString('base64')}`;
const run = Date.now().toString(36);
const ids = Array.from({ length: profileCount }, (_, i) => `latency-${run}-${i}`);

const ingestLatencies: number[] = [];

async function post(events: Array<Record<string, unknown>>): Promise<void> {
  const sentAt = performance.now();
  const response = await fetch(`${gatewayUrl}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: auth },
    body: JSON.stringify({ batch: events }),
  });
  if (response.status !== 200) throw new Error(`ingest answered ${response.status}`);
  ingestLatencies.push(performance.now() - sentAt);
}

// Per profile: events sent so far, and the send time of each not yet seen by its subscriber.
const sent = new Map<string, number>(ids.map((id) => [id, 0]));
interface Pending {
  count: number;
  at: number;
  /** When ingest answered 200 for the event's batch. */
  ackedAt?: number;
}
const pending = new Map<string, Pending[]>(ids.map((id) => [id, []]));
const latencies: number[] = [];
const afterAck: number[] = [];
let measuring = false;

function received(id: string, eventCount: number): void {
  const now = performance.now();
  const queue = pending.get(id) ?? [];
  while (queue.length > 0 && (queue[0]?.count ?? Infinity) <= eventCount) {
    const event = queue.shift();
    if (!event || !measuring) continue;
    latencies.push(now - event.at);
    if (event.ackedAt !== undefined) afterAck.push(Math.max(0, now - event.ackedAt));
  }
}

// Warm-up: every profile exists, so each subscription starts with its current state.
for (let i = 0; i < ids.length; i += 500)
  await post(ids.slice(i, i + 500).map((userId) => ({ type: 'track', userId, event: 'Warm' })));
for (const id of ids) sent.set(id, 1);

const url = `${gatewayUrl.replace(/^http/, 'ws')}/graphql`;
const clients: Client[] = Array.from({ length: connectionCount }, () =>
  createClient({
    url,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    ...(values.token ? { connectionParams: { authorization: `Bearer ${values.token}` } } : {}),
  }),
);
const SUBSCRIPTION = values['with-activities']
  ? 'subscription ($id: ID!) { profileUpdated(id: $id) { eventCount activities(first: 3) { edges { node { name } } } } }'
  : 'subscription ($id: ID!) { profileUpdated(id: $id) { eventCount } }';
const ready = new Set<string>();
ids.forEach((id, index) => {
  const client = clients[index % clients.length] as Client;
  client.subscribe<{ profileUpdated: { eventCount: number } }>(
    { query: SUBSCRIPTION, variables: { id } },
    {
      next: (result) => {
        const eventCount = result.data?.profileUpdated.eventCount;
        if (eventCount === undefined) return;
        ready.add(id);
        received(id, eventCount);
      },
      error: (error) => console.error('subscription failed', id, error),
      complete: () => undefined,
    },
  );
});
const deadline = Date.now() + 60_000; // 1 minute for every subscription to start
while (ready.size < ids.length) {
  if (Date.now() > deadline) throw new Error(`only ${ready.size} subscriptions started`);
  await new Promise((resolve) => setTimeout(resolve, 50));
}

console.log(
  `sending ${rate} events/s for ${seconds} s over ${profileCount} profiles, ` +
    `${connectionCount} graphql-ws connections, gateway ${gatewayUrl}` +
    (values['with-activities'] ? ', with activities from the Activity subgraph' : ''),
);
measuring = true;
ingestLatencies.length = 0;
let next = 0;
let failures = 0;
const inFlight = new Set<Promise<void>>();
const started = performance.now();
for (let tick = 0; tick < (seconds * 1_000) / TICK_MS; tick++) {
  const events: Array<Record<string, unknown>> = [];
  const batch: Pending[] = [];
  const at = performance.now();
  for (let i = 0; i < perTick; i++) {
    const id = ids[next++ % ids.length] as string;
    const count = (sent.get(id) ?? 0) + 1;
    sent.set(id, count);
    const entry: Pending = { count, at };
    batch.push(entry);
    pending.get(id)?.push(entry);
    events.push({ type: 'track', userId: id, event: 'Measured' });
  }
  const request = post(events).then(
    () => {
      const ackedAt = performance.now();
      for (const entry of batch) entry.ackedAt = ackedAt;
    },
    () => void failures++,
  );
  inFlight.add(request);
  void request.finally(() => inFlight.delete(request));
  const wait = started + (tick + 1) * TICK_MS - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}
await Promise.all(inFlight);
const drainDeadline = Date.now() + 10_000; // 10 seconds for the last messages
while ([...pending.values()].some((queue) => queue.length > 0) && Date.now() < drainDeadline)
  await new Promise((resolve) => setTimeout(resolve, 50));
measuring = false;

const lost = [...pending.values()].reduce((sum, queue) => sum + queue.length, 0);
latencies.sort((a, b) => a - b);
ingestLatencies.sort((a, b) => a - b);
afterAck.sort((a, b) => a - b);
const quantile = (sorted: number[], q: number) =>
  Number((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN).toFixed(1));
const at = (q: number) => quantile(latencies, q);
const elapsed = (performance.now() - started) / 1_000;
const summary = {
  events: latencies.length + lost,
  achievedRate: Math.round((latencies.length + lost) / elapsed),
  delivered: latencies.length,
  notDelivered: lost,
  ingestFailures: failures,
  p50ms: at(0.5),
  p90ms: at(0.9),
  p99ms: at(0.99),
  maxms: Number((latencies.at(-1) ?? NaN).toFixed(1)),
};
console.log(
  `POST /v1/batch -> subscriber: p50 ${summary.p50ms} ms, p90 ${summary.p90ms} ms, ` +
    `p99 ${summary.p99ms} ms, max ${summary.maxms} ms (${summary.delivered} events, ` +
    `${summary.notDelivered} not delivered, ${summary.achievedRate} events/s)`,
);
console.log(
  `of which POST /v1/batch until 200 (Kafka acknowledged): p50 ${quantile(ingestLatencies, 0.5)} ms, ` +
    `p99 ${quantile(ingestLatencies, 0.99)} ms`,
);
console.log(
  `from the 200 to the subscriber's message (processor, Redis, subgraph, gateway): ` +
    `p50 ${quantile(afterAck, 0.5)} ms, p99 ${quantile(afterAck, 0.99)} ms ` +
    `(${afterAck.length} events whose message came after the 200)`,
);
const metrics = await (await fetch(`${gatewayUrl}/metrics`)).text();
const histogram = metrics
  .split('\n')
  .filter((line) => line.startsWith('pulsehub_subscription_delivery_seconds_'));
const sum = Number(
  histogram
    .find((l) => l.includes('_sum'))
    ?.split(' ')
    .at(-1),
);
const count = Number(
  histogram
    .find((l) => l.includes('_count'))
    ?.split(' ')
    .at(-1),
);
console.log(
  `of which the gateway (subgraph event -> written to sockets, incl. shaping): mean ${((sum / count) * 1_000).toFixed(2)} ms over ${count} events`,
);
console.log(JSON.stringify(summary));
await Promise.all(clients.map((client) => client.dispose()));
await system?.stop();

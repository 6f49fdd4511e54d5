/**
 * Fan-out: many graphql-ws connections through one gateway process, all watching one profile.
 * For each change it reports how long after `POST /v1/track` the first, the median and the
 * last subscriber had the message, and the gateway's upstream subscription count.
 *
 *   node --import tsx bench/subscription-fanout.ts [--subscribers 10000] [--events 10]
 *     [--gateway http://127.0.0.1:4000 --token TOKEN]
 *
 * Without --gateway it starts the whole system as separate processes (see spawned-system.ts).
 */
import { parseArgs } from 'node:util';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startSpawnedSystem } from './spawned-system.ts';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '10000' },
    events: { type: 'string', default: '10' },
    gateway: { type: 'string' },
    token: { type: 'string' },
    'write-key': { type: 'string', default: 'dev-write-key' },
  },
});
const subscriberCount = Number(values.subscribers);
const eventCount = Number(values.events);
const system = values.gateway ? undefined : await startSpawnedSystem();
const gatewayUrl = values.gateway ?? system?.gatewayUrl ?? '';
const userId = `fanout-${Date.now().toString(36)}`;

async function track(): Promise<void> {
  const response = await fetch(`${gatewayUrl}/v1/track`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${values['write-key']}:`).toString('base64')}`,
    },
    body: JSON.stringify({ userId, event: 'Fan-out' }),
  });
  if (response.status !== 200) throw new Error(`ingest answered ${response.status}`);
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

await track(); // the profile exists, so every subscription starts with its current state
// When each subscriber saw each eventCount.
const seen = new Map<number, number[]>();
const clients: Client[] = [];
let started = 0;
for (let i = 0; i < subscriberCount; i++) {
  const client = createClient({
    url: `${gatewayUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    ...(values.token ? { connectionParams: { authorization: `Bearer ${values.token}` } } : {}),
  });
  clients.push(client);
  let first = true;
  client.subscribe<{ profileUpdated: { eventCount: number } }>(
    { query: `subscription { profileUpdated(id: "${userId}") { eventCount } }` },
    {
      next: (result) => {
        const count = result.data?.profileUpdated.eventCount;
        if (count === undefined) return;
        if (first) {
          first = false;
          started++;
        }
        const list = seen.get(count) ?? [];
        list.push(performance.now());
        seen.set(count, list);
      },
      error: (error) => console.error('subscription failed', error),
      complete: () => undefined,
    },
  );
  if (i % 500 === 499) await sleep(50); // connects in waves rather than one burst
}
const deadline = Date.now() + 120_000; // 2 minutes for every subscriber to start
while (started < subscriberCount && Date.now() < deadline) await sleep(100);
const metrics = await (await fetch(`${gatewayUrl}/metrics`)).text();
const metric = (name: string) =>
  metrics
    .split('\n')
    .find((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    ?.split(' ')
    .at(-1);
console.log(
  `${started} of ${subscriberCount} subscribers started; gateway: ` +
    `${metric('pulsehub_subscription_connections')} connections, ` +
    `${metric('pulsehub_subscription_upstream_active')} upstream subscription(s), ` +
    `${metric('pulsehub_subscription_groups_active')} group(s)`,
);

const rows: string[] = [];
for (let event = 2; event <= eventCount + 1; event++) {
  const sentAt = performance.now();
  await track();
  const eventDeadline = Date.now() + 30_000; // 30 seconds for one event to reach everyone
  while ((seen.get(event)?.length ?? 0) < started && Date.now() < eventDeadline) await sleep(5);
  const times = (seen.get(event) ?? []).map((at) => at - sentAt).sort((a, b) => a - b);
  const q = (p: number) =>
    (times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? NaN).toFixed(1);
  rows.push(
    `event ${event - 1}: ${times.length} subscribers; first ${q(0)} ms, median ${q(0.5)} ms, last ${q(1)} ms`,
  );
  await sleep(500);
}
console.log(rows.join('\n'));
const after = await (await fetch(`${gatewayUrl}/metrics`)).text();
const sample = (suffix: string) =>
  Number(
    after
      .split('\n')
      .find((line) => line.startsWith(`pulsehub_subscription_delivery_seconds_${suffix}`))
      ?.split(' ')
      .at(-1),
  );
console.log(
  `gateway: event from the subgraph -> written to all ${started} sockets: mean ` +
    `${((sample('sum') / sample('count')) * 1_000).toFixed(1)} ms over ${sample('count')} events`,
);
await Promise.all(clients.map((client) => client.dispose()));
await system?.stop();

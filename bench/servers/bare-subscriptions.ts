// Baseline server (its own process) for the fanout scenario: the least a graphql-ws server
// must do. One process, no Kafka, no Redis, no federation: `POST /v1/batch` bumps each named
// profile's counters in memory and pushes them to that profile's `profileUpdated` subscribers.
// Same protocol, same subscription, same update requests as PulseHub's gateway, so the same
// load generator drives both. Usage: bare-subscriptions.ts <port>
import { createServer } from 'node:http';
import { buildSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { createPushIterator } from '../../lib/push-iterator.ts';

const [port] = process.argv.slice(2);
if (port === undefined) throw new Error('usage: bare-subscriptions.ts <port>');

interface ProfileCounts {
  id: string;
  version: number;
  eventCount: number;
}

const schema = buildSchema(`
  type Query { ok: Boolean }
  type Profile { id: ID! version: Int! eventCount: Int! }
  type Subscription { profileUpdated(id: ID!): Profile! }
`);
const profiles = new Map<string, ProfileCounts>();
const listeners = new Map<string, Set<(profile: ProfileCounts) => void>>();

/** An async iterator over one profile's updates, unsubscribing when the client leaves. */
function updatesOf(id: string): AsyncIterableIterator<{ profileUpdated: ProfileCounts }> {
  const set = listeners.get(id) ?? new Set();
  const push = (profile: ProfileCounts) => void iterator.push({ profileUpdated: { ...profile } });
  const iterator = createPushIterator<{ profileUpdated: ProfileCounts }>({
    // The least a server does: no bound, so the baseline never drops what PulseHub would send.
    maxQueued: Number.POSITIVE_INFINITY,
    onEnd: () => set.delete(push),
  });
  set.add(push);
  listeners.set(id, set);
  return iterator;
}

const roots = {
  ok: () => true,
  profileUpdated: ({ id }: { id: string }) => updatesOf(id),
};

const server = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/v1/batch') {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const { batch } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      batch: Array<{ userId?: string; anonymousId?: string }>;
    };
    for (const event of batch) {
      const id = event.userId ?? event.anonymousId ?? '';
      const profile = profiles.get(id) ?? { id, version: 0, eventCount: 0 };
      profile.version++;
      profile.eventCount++;
      profiles.set(id, profile);
      for (const push of listeners.get(id) ?? []) push(profile);
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true}');
  });
});
useServer(
  { schema, roots: { query: roots, subscription: { profileUpdated: roots.profileUpdated } } },
  new WebSocketServer({ server, path: '/graphql' }),
);
server.listen(Number(port), '127.0.0.1');

import { createClient, type Client, type ClientOptions } from 'graphql-ws';
import WebSocket from 'ws';
import { eventually } from './http.ts';

export interface Received<T> {
  /** The `data` of every next message, in arrival order. */
  data: T[];
  errors: unknown[];
  completed: boolean;
  stop(): void;
}

/** A graphql-ws client for the gateway at `graphqlUrl` (http://…/graphql). */
export function wsClient(
  graphqlUrl: string,
  options: Partial<ClientOptions> & { token?: string } = {},
): Client {
  const { token, ...rest } = options;
  return createClient({
    url: graphqlUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    ...(token === undefined ? {} : { connectionParams: { authorization: `Bearer ${token}` } }),
    ...rest,
  });
}

/** Subscribes and collects what arrives. */
export function collect<T>(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
): Received<T> {
  const received: Received<T> = {
    data: [],
    errors: [],
    completed: false,
    stop: () => undefined,
  };
  received.stop = client.subscribe<T>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors) received.errors.push(...result.errors);
        if (result.data) received.data.push(result.data as T);
      },
      error: (error) => received.errors.push(error),
      complete: () => (received.completed = true),
    },
  );
  return received;
}

/** Waits until `received` holds at least `count` messages. */
export function receivedAtLeast<T>(received: Received<T>, count: number, timeoutMs = 30_000) {
  return eventually(
    () => Promise.resolve(received.data.length >= count ? received.data : undefined),
    timeoutMs,
  );
}

/**
 * The value of a Prometheus metric on a /metrics page: the first sample with that name whose
 * labels include `label` (e.g. `code="4008"`).
 */
export async function metricValue(baseUrl: string, name: string, label = ''): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => (l.startsWith(`${name} `) || l.startsWith(`${name}{`)) && l.includes(label));
  return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** A raw graphql-transport-ws socket, for sending what a well-behaved client never would. */
export interface RawSocket {
  socket: WebSocket;
  /** Every message received, parsed. */
  messages: Array<Record<string, unknown>>;
  send(message: unknown): void;
  /** Resolves with the close code (and reason) once the server closed the connection. */
  closed: Promise<{ code: number; reason: string }>;
}

export async function rawSocket(
  graphqlUrl: string,
  protocol = 'graphql-transport-ws',
  options: { answerPings?: boolean } = {},
): Promise<RawSocket> {
  const socket = new WebSocket(graphqlUrl.replace(/^http/, 'ws'), protocol, {
    autoPong: options.answerPings ?? true,
  });
  const messages: Array<Record<string, unknown>> = [];
  socket.on('message', (data: Buffer) =>
    messages.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>),
  );
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code: number, reason: Buffer) =>
      resolve({ code, reason: reason.toString('utf8') }),
    ),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    socket,
    messages,
    send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
    closed,
  };
}

/** Opens a raw socket and completes the handshake with `token` (none: anonymous). */
export async function acknowledgedSocket(
  graphqlUrl: string,
  token: string | undefined,
): Promise<RawSocket> {
  const raw = await rawSocket(graphqlUrl);
  raw.send({
    type: 'connection_init',
    ...(token === undefined ? {} : { payload: { authorization: `Bearer ${token}` } }),
  });
  await eventually(async () =>
    raw.messages.some((m) => m['type'] === 'connection_ack') ? true : undefined,
  );
  return raw;
}

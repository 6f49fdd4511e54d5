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

/** The value of a Prometheus metric on a /metrics page (the first sample with that name). */
export async function metricValue(baseUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}

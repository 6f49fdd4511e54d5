import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/** The subscription the latency and fanout scenarios hold, one per WebSocket connection. */
export const PROFILE_UPDATED = `subscription ProfileUpdated($id: ID!) {
  profileUpdated(id: $id) { id version eventCount }
}`;

/** Where a subscription load generator connects and sends its updates. */
export interface SubscriptionTarget {
  /** Base URL whose POST /v1/batch takes the updates. */
  baseUrl: string;
  wsUrl: string;
  ingestHeaders: Record<string, string>;
  connectionParams: Record<string, unknown>;
}

export interface SubscriptionsOptions {
  wsUrl: string;
  connectionParams: Record<string, unknown>;
  /** One WebSocket connection per entry, subscribed to that profile. */
  profiles: readonly string[];
  /** Connections opened at once (a burst of thousands would only test the listen backlog). */
  connectConcurrency: number;
  /** Connection `index` received a message showing the profile's `eventCount`. */
  onCount(index: number, eventCount: number): void;
}

export interface Subscriptions {
  /** Connections open now. */
  open(): number;
  /** Problems seen after the connections were opened (errors, closes), first ones kept. */
  problems(): string[];
  dispose(): Promise<void>;
}

function describeClose(event: unknown): string {
  if (event instanceof Error) return event.message;
  // ws reports transport failures as ErrorEvent-like objects with a message.
  if (typeof event === 'object' && event !== null && 'message' in event)
    return String((event as { message: unknown }).message);
  if (typeof event === 'object' && event !== null && 'code' in event) {
    const { code, reason } = event as { code: number; reason?: string };
    return `closed with code ${code}${reason ? ` (${reason})` : ''}`;
  }
  return String(event);
}

const PROBLEMS_KEPT = 20;

/**
 * Opens one graphql-ws connection per profile entry and subscribes it to `profileUpdated`.
 * Resolves once every connection is acknowledged; rejects with the first refusal, saying
 * what the server answered.
 */
export async function openSubscriptions(options: SubscriptionsOptions): Promise<Subscriptions> {
  const clients: Client[] = [];
  const problems: string[] = [];
  let open = 0;
  const note = (problem: string) => {
    if (problems.length < PROBLEMS_KEPT) problems.push(problem);
  };

  const connect = (index: number, profile: string) =>
    new Promise<void>((resolve, reject) => {
      let connected = false;
      let transportError: string | undefined;
      const client = createClient({
        url: options.wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: options.connectionParams,
        lazy: false,
        retryAttempts: 0,
        // Reported through `closed` below instead of printed.
        onNonLazyError: () => undefined,
        on: {
          connected: () => {
            connected = true;
            open++;
            resolve();
          },
          error: (error) => {
            transportError = describeClose(error);
          },
          closed: (event) => {
            if (!connected) {
              const cause = transportError ?? describeClose(event);
              reject(new Error(`no graphql-ws connection at ${options.wsUrl}: ${cause}`));
              return;
            }
            open--;
            note(`connection ${index} ${describeClose(event)}`);
          },
        },
      });
      clients.push(client);
      client.subscribe<{ profileUpdated: { eventCount: number } }>(
        { query: PROFILE_UPDATED, variables: { id: profile } },
        {
          next: (result) => {
            if (result.errors) note(`subscription ${index}: ${JSON.stringify(result.errors)}`);
            const count = result.data?.profileUpdated.eventCount;
            if (typeof count === 'number') options.onCount(index, count);
          },
          error: (error) => note(`subscription ${index}: ${describeClose(error)}`),
          complete: () => note(`subscription ${index} completed by the server`),
        },
      );
    });

  const dispose = async () => {
    // A client that never connected rejects its dispose with the connection error: seen already.
    await Promise.all(
      clients.map((client) => Promise.resolve(client.dispose()).catch(() => undefined)),
    );
  };
  try {
    let next = 0;
    const opener = async () => {
      while (next < options.profiles.length) {
        const index = next++;
        await connect(index, options.profiles[index] as string);
      }
    };
    await Promise.all(Array.from({ length: options.connectConcurrency }, opener));
  } catch (error) {
    await dispose();
    throw error;
  }
  return { open: () => open, problems: () => problems, dispose };
}

// PulseHub's public API as the page uses it: GraphQL over HTTP and graphql-ws, both at
// /graphql on the page's own origin, with the session's bearer token.
import { createClient, type Client } from 'graphql-ws';
import type { Session } from './session.ts';

/** graphql-ws close codes meaning "this token is not (or no longer) good". */
const TOKEN_CLOSE_CODES = new Set([4401, 4403, 4419]);

export interface GraphQLErrorLike {
  message: string;
  extensions?: { code?: string };
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
}

export interface SubscriptionSink<T> {
  next(data: T): void;
  /** The subscription ended with an error (it is not resumed by the API). */
  error(message: string): void;
  complete(): void;
}

export interface Api {
  query<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
  subscribe<T>(
    query: string,
    variables: Record<string, unknown>,
    sink: SubscriptionSink<T>,
  ): () => void;
  /** Reports the WebSocket's state: connecting, open or closed (with the close code). */
  onConnection(listener: (state: string) => void): void;
}

const messageOf = (errors: readonly GraphQLErrorLike[]): string =>
  errors.map((error) => error.message).join('; ');

const isUnauthenticated = (errors: readonly GraphQLErrorLike[]): boolean =>
  errors.some((error) => error.extensions?.code === 'UNAUTHENTICATED');

export function createApi(session: Session): Api {
  const connectionListeners: Array<(state: string) => void> = [];
  const report = (state: string) => connectionListeners.forEach((listener) => listener(state));
  let client: { token: string; client: Client } | undefined;

  /** One WebSocket per token: a new token (renewal, sign-in) opens a new connection. */
  const clientFor = (token: string): Client => {
    if (client?.token === token) return client.client;
    void client?.client.dispose();
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
    const created = createClient({
      url,
      connectionParams: { authorization: `Bearer ${token}` },
      lazy: true,
      // Transient failures (a restarted gateway) are retried here; refused tokens end the
      // subscriptions, which sign in again and resubscribe.
      retryAttempts: Number.POSITIVE_INFINITY,
      keepAlive: 10_000,
      on: {
        connecting: () => report('connecting'),
        connected: () => report('open'),
        closed: (event) => {
          const code = (event as { code?: number } | undefined)?.code ?? 0;
          if (TOKEN_CLOSE_CODES.has(code))
            session.reject(token, `the gateway closed the connection (${code})`);
          report(`closed ${code}`);
        },
      },
    });
    client = { token, client: created };
    return created;
  };

  return {
    async query<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
      const token = await session.token();
      const response = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      const answer = (await response.json().catch(() => ({}))) as {
        data?: T;
        errors?: GraphQLErrorLike[];
      };
      if (response.status === 401 || isUnauthenticated(answer.errors ?? [])) {
        session.reject(token, 'the gateway refused the token');
        throw new ApiError(messageOf(answer.errors ?? []) || 'the gateway refused the token');
      }
      if (answer.errors !== undefined && answer.errors.length > 0)
        throw new ApiError(messageOf(answer.errors));
      if (answer.data === undefined) throw new ApiError(`HTTP ${response.status} without data`);
      return answer.data;
    },

    subscribe<T>(query: string, variables: Record<string, unknown>, sink: SubscriptionSink<T>) {
      let stopped = false;
      let unsubscribe = () => undefined as void;
      void session.token().then((token) => {
        if (stopped) return;
        unsubscribe = clientFor(token).subscribe<T>(
          { query, variables },
          {
            next: (result) => {
              if (result.errors !== undefined && result.errors.length > 0) {
                if (isUnauthenticated(result.errors))
                  session.reject(token, 'the token was refused');
                sink.error(messageOf(result.errors));
              } else if (result.data !== undefined && result.data !== null)
                sink.next(result.data as T);
            },
            error: (error: unknown) => {
              if (Array.isArray(error)) return sink.error(messageOf(error as GraphQLErrorLike[]));
              const code = (error as { code?: number }).code;
              if (code !== undefined) return sink.error(`connection closed (${code})`);
              sink.error(error instanceof Error ? error.message : String(error));
            },
            complete: () => sink.complete(),
          },
        );
      });
      return () => {
        stopped = true;
        unsubscribe();
      };
    },

    onConnection: (listener) => void connectionListeners.push(listener),
  };
}

import { STATUS_CODES } from 'node:http';
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import { Agent } from 'undici';
import { signGatewayRequest } from '../lib/graphql/gateway-signature.ts';
import { IDENTITY_HEADERS, identityHeaders } from '../lib/graphql/identity-headers.ts';
import { ErrorCode } from '../schema/errors.ts';
import type { GatewayContext } from './context.ts';

type Fetcher = RemoteGraphQLDataSource['fetcher'];
type FetcherResponse = Awaited<ReturnType<Fetcher>>;

export interface SubgraphClientSettings {
  /** Keep-alive connections per subgraph. */
  connections: number;
  keepAliveMs: number;
  timeoutMs: number;
  /** HMAC key shared with the subgraphs. */
  secret: string;
}

function response(url: string, status: number, headers: Headers, text: string): FetcherResponse {
  const answer: FetcherResponse = {
    bodyUsed: false,
    url,
    redirected: false,
    status,
    ok: status >= 200 && status < 300,
    statusText: STATUS_CODES[status] ?? '',
    headers,
    text: () => Promise.resolve(text),
    json: () => Promise.resolve(JSON.parse(text) as unknown),
    arrayBuffer: () => Promise.resolve(new TextEncoder().encode(text).buffer as ArrayBuffer),
    clone: () => answer,
  };
  return answer;
}

/**
 * Signs each request over its method, path, query and exact body and sends it on a pooled keep-alive connection
 * (undici), so the gateway neither opens a connection per fetch nor lets a request reach a
 * subgraph unsigned.
 */
function signingFetcher(agent: Agent, secret: string): Fetcher {
  return async (url, init = {}) => {
    const body = init.body ?? '';
    const headers: Record<string, string> = { ...init.headers };
    const target = new URL(url);
    const path = `${target.pathname}${target.search}`;
    // Signed over exactly what is sent, so the request works only as this method, path and
    // query, and only once (a fresh nonce per request).
    headers[IDENTITY_HEADERS.signature] = signGatewayRequest(secret, {
      method: 'POST',
      target: path,
      subject: headers[IDENTITY_HEADERS.subject] ?? '',
      scopes: headers[IDENTITY_HEADERS.scopes] ?? '',
      body,
    });
    let answer;
    try {
      answer = await agent.request({
        origin: target.origin,
        path,
        method: 'POST',
        headers,
        body,
      });
    } catch (error) {
      throw new GraphQLError('a subgraph is unreachable, retry later', {
        originalError: error as Error,
        extensions: { code: ErrorCode.ServiceUnavailable },
      });
    }
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(answer.headers))
      if (typeof value === 'string') responseHeaders.set(name, value);
    return response(url, answer.statusCode, responseHeaders, await answer.body.text());
  };
}

/** A subgraph as the gateway calls it: the caller's identity forwarded, signed, pooled. */
class SignedSubgraph extends RemoteGraphQLDataSource<GatewayContext> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>) {
    for (const [name, value] of Object.entries(identityHeaders(context.identity)))
      request.http?.headers.set(name, value);
  }

  /**
   * A subgraph refusing the gateway (401/403: the shared secret differs, or its own SDL asks
   * for scopes the supergraph the gateway checked does not) or failing is the operator's
   * problem, not the caller's: it must not read as the caller's missing rights.
   */
  override async errorFromResponse(answer: FetcherResponse): Promise<GraphQLError> {
    const unavailable = answer.status >= 502 && answer.status <= 504;
    return new GraphQLError(
      unavailable
        ? 'a subgraph is unavailable, retry later'
        : `a subgraph answered HTTP ${answer.status}`,
      {
        extensions: {
          code: unavailable ? ErrorCode.ServiceUnavailable : ErrorCode.InternalServerError,
          detail: await answer.text().catch(() => ''),
        },
      },
    );
  }
}

export interface SubgraphClient {
  dataSource(url: string): RemoteGraphQLDataSource<GatewayContext>;
  close(): Promise<void>;
}

export function createSubgraphClient(settings: SubgraphClientSettings): SubgraphClient {
  const agent = new Agent({
    connections: settings.connections,
    keepAliveTimeout: settings.keepAliveMs,
    keepAliveMaxTimeout: settings.keepAliveMs,
    headersTimeout: settings.timeoutMs,
    bodyTimeout: settings.timeoutMs,
  });
  const fetcher = signingFetcher(agent, settings.secret);
  return {
    dataSource: (url) => new SignedSubgraph({ url, fetcher }),
    close: () => agent.close(),
  };
}

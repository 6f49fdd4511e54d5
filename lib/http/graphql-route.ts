import type http from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import { PayloadTooLargeError, readBody } from './read-body.ts';
import { sendJson, type RouteHandler } from './service-server.ts';

/** Why a request is not served: answered as a GraphQL error with this status. */
export interface Refusal {
  status: number;
  code: string;
  message: string;
  extensions?: Record<string, unknown>;
  /** Response headers, e.g. `allow` on a 405 or `retry-after` on a 503. */
  headers?: Record<string, string>;
}

/** Whether a request may be served at all, decided before GraphQL sees it. */
export type Admission<Caller> =
  { ok: true; caller: Caller | undefined } | ({ ok: false } & Refusal);

export interface GraphQLRouteOptions<Context extends BaseContext, Caller = never> {
  path?: string;
  /** Largest accepted request body, read per request so a reload applies. Default 1 MiB. */
  maxBodyBytes?: number | (() => number);
  /** Checks the request and its raw body (e.g. the gateway's signature); default: admit all. */
  admit?(req: http.IncomingMessage, body: Buffer): Admission<Caller>;
  /** Checks the query text (POST body or GET parameter) before it is parsed. */
  checkQuery?(query: string): Refusal | undefined;
  context(req: http.IncomingMessage, caller: Caller | undefined): Promise<Context>;
}

/** Serves an ApolloServer on a plain Node HTTP server (Apollo's documented integration API). */
export function graphqlRoute<Context extends BaseContext, Caller = never>(
  server: ApolloServer<Context>,
  options: GraphQLRouteOptions<Context, Caller>,
): RouteHandler {
  const path = options.path ?? '/graphql';
  const limit = options.maxBodyBytes ?? 1024 * 1024; // 1 MiB
  const maxBodyBytes = typeof limit === 'number' ? () => limit : limit;
  return async (req, res) => {
    const [pathname, search = ''] = (req.url ?? '/').split('?', 2);
    if (pathname !== path) return false;
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    let body: unknown;
    let caller: Caller | undefined;
    try {
      const raw = await readBody(req, maxBodyBytes());
      const admission = options.admit?.(req, raw) ?? { ok: true, caller: undefined };
      if (!admission.ok) {
        refuse(res, admission);
        return true;
      }
      caller = admission.caller;
      body =
        raw.length > 0 && (headers.get('content-type') ?? '').includes('json')
          ? JSON.parse(raw.toString('utf8'))
          : raw.toString('utf8');
    } catch (error) {
      if (error instanceof PayloadTooLargeError)
        sendJson(
          res,
          413,
          { errors: [{ message: error.message, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] },
          // A body refused part-way leaves unread bytes on the connection: reusing it would
          // make the next request on it wait for bytes that never come.
          req.complete ? {} : { connection: 'close' },
        );
      else
        sendJson(res, 400, {
          errors: [
            {
              message: `malformed JSON body: ${(error as Error).message}`,
              extensions: { code: 'BAD_REQUEST' },
            },
          ],
        });
      return true;
    }
    const query =
      typeof body === 'object' && body !== null && 'query' in body
        ? body.query
        : new URLSearchParams(search).get('query');
    const refusal = typeof query === 'string' ? options.checkQuery?.(query) : undefined;
    if (refusal !== undefined) {
      refuse(res, refusal);
      return true;
    }
    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search, body },
      context: () => options.context(req, caller),
    });
    for (const [name, value] of response.headers) res.setHeader(name, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return true;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
    return true;
  };
}

function refuse(res: http.ServerResponse, refusal: Refusal): void {
  sendJson(
    res,
    refusal.status,
    {
      errors: [
        { message: refusal.message, extensions: { ...refusal.extensions, code: refusal.code } },
      ],
    },
    refusal.headers,
  );
}

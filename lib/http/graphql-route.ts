import type http from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import { PayloadTooLargeError, readBody } from './read-body.ts';
import { sendJson, type RouteHandler } from './service-server.ts';

/** Whether a request may be served at all, decided before GraphQL sees it. */
export type Admission<Caller> =
  | { ok: true; caller: Caller | undefined }
  | { ok: false; status: number; code: string; message: string };

export interface GraphQLRouteOptions<Context extends BaseContext, Caller = never> {
  path?: string;
  /** Largest accepted request body, read per request so a reload applies. Default 1 MiB. */
  maxBodyBytes?: number | (() => number);
  /** Checks the request and its raw body (e.g. the gateway's signature); default: admit all. */
  admit?(req: http.IncomingMessage, body: Buffer): Admission<Caller>;
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
        sendJson(res, admission.status, {
          errors: [{ message: admission.message, extensions: { code: admission.code } }],
        });
        return true;
      }
      caller = admission.caller;
      body =
        raw.length > 0 && (headers.get('content-type') ?? '').includes('json')
          ? JSON.parse(raw.toString('utf8'))
          : raw.toString('utf8');
    } catch (error) {
      if (error instanceof PayloadTooLargeError)
        sendJson(res, 413, {
          errors: [{ message: error.message, extensions: { code: 'PAYLOAD_TOO_LARGE' } }],
        });
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

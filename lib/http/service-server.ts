import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Component } from '../lifecycle.ts';
import { allReady } from '../lifecycle.ts';
import { registerReadinessMetrics } from './readiness-metrics.ts';

/** A request handler that answers (returns true) or passes the request on (returns false). */
export type RouteHandler = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
) => Promise<boolean>;

export interface ServiceServerOptions {
  host: string;
  port: number;
  metrics: Registry;
  /** Components whose readiness decides `/ready`. */
  dependencies: () => readonly Component[];
  /** Tried in order before the operational endpoints' 404. */
  routes?: RouteHandler[];
}

export interface ServiceServer extends Component {
  readonly server: http.Server;
  /** The registry `/metrics` serves; parts created outside the service register here. */
  readonly metrics: Registry;
  /** The bound port (useful when listening on port 0 in tests). */
  port(): number;
}

/**
 * Every service's HTTP face: `/health` (the process is alive), `/ready` (its dependencies
 * answer) and `/metrics` (Prometheus), plus any routes the service adds.
 */
export function createServiceServer(options: ServiceServerOptions): ServiceServer {
  const routes = options.routes ?? [];
  // /ready's answer as gauges, so alerting sees what a load balancer sees.
  registerReadinessMetrics(options.metrics, options.dependencies);
  const server = http.createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy(error instanceof Error ? error : undefined);
    });
  });
  // Keep-alive sockets from load balancers and the gateway outlive individual requests.
  server.keepAliveTimeout = 65_000; // 65 seconds, above common LB idle timeouts
  server.headersTimeout = 66_000;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/health') return sendJson(res, 200, { status: 'ok' });
    if (req.method === 'GET' && path === '/ready') {
      const ready = await allReady(options.dependencies());
      return sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready' });
    }
    if (req.method === 'GET' && path === '/metrics') {
      res.writeHead(200, { 'content-type': options.metrics.contentType });
      res.end(await options.metrics.metrics());
      return;
    }
    for (const route of routes) if (await route(req, res)) return;
    sendJson(res, 404, { error: `no route for ${req.method ?? 'GET'} ${path ?? '/'}` });
  }

  return {
    name: 'http',
    server,
    metrics: options.metrics,
    port: () => (server.address() as AddressInfo).port,
    start: () =>
      new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host, () => {
          server.off('error', reject);
          resolve();
        });
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
    ready: () => Promise.resolve(server.listening),
  };
}

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

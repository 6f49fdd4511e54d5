import http from 'node:http';

/** One HTTP request as it crossed the proxy: exactly what a client sent. */
export interface RecordedRequest {
  method: string;
  /** The request target: path and query string. */
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * An HTTP proxy that forwards every request unchanged to `target` (an origin such as
 * `http://127.0.0.1:4001`) and records it: a stand-in for someone who can watch the traffic
 * between two services, e.g. to capture what the gateway sends a subgraph and replay it.
 */
export interface RecordingProxy {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  readonly requests: readonly RecordedRequest[];
  close(): Promise<void>;
}

function flatHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  return flat;
}

export async function createRecordingProxy(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: flatHeaders(req.headers),
        body: Buffer.concat(chunks),
      };
      requests.push(recorded);
      const forward = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: recorded.method,
          path: recorded.url,
          headers: { ...recorded.headers, host: upstream.host },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => res.writeHead(502).end());
      forward.end(recorded.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

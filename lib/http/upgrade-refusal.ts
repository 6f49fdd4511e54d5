import type http from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Answers a WebSocket upgrade request with a plain HTTP error instead of the handshake, and
 * closes the socket: cheaper than accepting the WebSocket and closing it, and a client sees
 * the status and `Retry-After` (browsers and graphql-ws report it as a failed connection,
 * close code 1006, which graphql-ws clients retry with back-off).
 */
export function refuseUpgrade(
  socket: Duplex,
  status: number,
  message: string,
  headers: Readonly<Record<string, string | number>> = {},
): void {
  const body = `${message}\n`;
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'connection: close',
    'content-type: text/plain; charset=utf-8',
    `content-length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

export type UpgradeListener = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * The server's 'upgrade' listener for a WebSocket served at `path` only: an upgrade to any
 * other path (query string aside) is answered 404, since no other listener would answer it and
 * the socket would hang open.
 */
export function upgradesAt(path: string, accept: UpgradeListener): UpgradeListener {
  return (req, socket, head) => {
    if ((req.url ?? '/').split('?')[0] !== path) {
      refuseUpgrade(socket, 404, `WebSocket connections are served at ${path} only`);
      return;
    }
    accept(req, socket, head);
  };
}

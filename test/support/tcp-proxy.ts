import net from 'node:net';

/**
 * A TCP proxy in front of a shared server (PostgreSQL) that a test can take "down" without
 * touching the server others use: `refuse()` drops every open connection and stops listening
 * (clients get ECONNREFUSED), `accept()` listens on the same port again.
 */
export interface TcpProxy {
  readonly port: number;
  refuse(): Promise<void>;
  accept(): Promise<void>;
  close(): Promise<void>;
}

export async function createTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  let server: net.Server | undefined;
  let port = 0;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const next = net.createServer((client) => {
        const upstream = net.connect(targetPort, targetHost);
        track(client);
        track(upstream);
        client.pipe(upstream);
        upstream.pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => {
        next.off('error', reject);
        port = (next.address() as net.AddressInfo).port;
        server = next;
        resolve();
      });
    });

  const stopListening = async () => {
    const current = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (current) await new Promise((resolve) => current.close(resolve));
  };

  await listen();
  return {
    get port() {
      return port;
    },
    refuse: stopListening,
    accept: listen,
    close: stopListening,
  };
}

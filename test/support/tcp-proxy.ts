import net from 'node:net';

/**
 * A TCP proxy in front of a shared server (PostgreSQL) that a test can take "down" without
 * touching the server others use: `refuse()` drops every open connection and stops listening
 * (clients get ECONNREFUSED), `accept()` listens on the same port again. `hang()` is the
 * nastier fault, a server that accepts connections but never answers: connections open,
 * old and new, but nothing is forwarded either way (the bytes wait, none are lost) until
 * `accept()` resumes forwarding, as a server that froze and woke up again would answer late.
 */
export interface TcpProxy {
  readonly port: number;
  refuse(): Promise<void>;
  accept(): Promise<void>;
  hang(): Promise<void>;
  close(): Promise<void>;
}

/** A client connection and its connection to the target. */
interface Pair {
  client: net.Socket;
  upstream: net.Socket;
}

export async function createTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const pairs = new Set<Pair>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  let server: net.Server | undefined;
  let port = 0;
  let hanging = false;

  const forward = ({ client, upstream }: Pair) => {
    client.pipe(upstream);
    upstream.pipe(client);
  };
  const hold = ({ client, upstream }: Pair) => {
    client.unpipe(upstream);
    upstream.unpipe(client);
    client.pause();
    upstream.pause();
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const next = net.createServer((client) => {
        const upstream = net.connect(targetPort, targetHost);
        const pair = { client, upstream };
        track(client);
        track(upstream);
        pairs.add(pair);
        client.on('close', () => {
          pairs.delete(pair);
          upstream.destroy();
        });
        upstream.on('close', () => client.destroy());
        if (hanging) hold(pair);
        else forward(pair);
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
    hanging = false;
    for (const socket of sockets) socket.destroy();
    if (current) await new Promise((resolve) => current.close(resolve));
  };

  await listen();
  return {
    get port() {
      return port;
    },
    refuse: stopListening,
    async accept() {
      if (hanging) {
        hanging = false;
        for (const pair of pairs) forward(pair);
      }
      if (!server) await listen();
    },
    async hang() {
      hanging = true;
      for (const pair of pairs) hold(pair);
      if (!server) await listen();
    },
    close: stopListening,
  };
}

/**
 * A proxy in front of the server a connection URL names (a sandbox's PostgreSQL or Redis URL),
 * and the same URL pointed at the proxy: what a test hands the code under test, so that the
 * proxy's faults are the only ones it sees.
 */
export async function proxyInFrontOf(
  serverUrl: string,
  defaultPort: number,
): Promise<{ proxy: TcpProxy; url: string }> {
  const direct = new URL(serverUrl);
  const proxy = await createTcpProxy(direct.hostname, Number(direct.port || defaultPort));
  const viaProxy = new URL(serverUrl);
  viaProxy.host = `127.0.0.1:${proxy.port}`;
  return { proxy, url: viaProxy.toString() };
}

import net from 'node:net';
import tls from 'node:tls';
import type { ISocketFactory } from 'kafkajs';

const KEEP_ALIVE_DELAY_MS = 60_000;

/**
 * kafkajs' sockets with Nagle's algorithm off, as Kafka's own clients do. kafkajs pipelines
 * requests on one connection per broker (a consumer's long-polling fetch beside its offset
 * commits and heartbeats); with Nagle on, a small request written while an earlier one is
 * unacknowledged waits for the broker's delayed ACK, up to 40 ms on Linux.
 */
export const noDelaySocketFactory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
  const socket = ssl
    ? tls.connect(
        { host, port, ...(net.isIP(host) ? {} : { servername: host }), ...ssl },
        onConnect,
      )
    : net.connect({ host, port }, onConnect);
  socket.setKeepAlive(true, KEEP_ALIVE_DELAY_MS);
  socket.setNoDelay(true);
  return socket;
};

import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { upgradesAt } from './upgrade-refusal.ts';

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
});

/** Sends a raw upgrade request for `target` and resolves the whole answer. */
async function upgradeAnswer(port: number, target: string): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(
    `GET ${target} HTTP/1.1\r\nhost: localhost\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n`,
  );
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
  await once(socket, 'end');
  socket.destroy();
  return answer;
}

describe('upgradesAt', () => {
  it('hands upgrades to its path (any query) over and answers 404 to every other path', async () => {
    const accepted: string[] = [];
    const server = http.createServer();
    servers.push(server);
    server.on(
      'upgrade',
      upgradesAt('/graphql', (req, socket) => {
        accepted.push(req.url ?? '');
        socket.end('HTTP/1.1 101 Switching Protocols\r\n\r\n');
      }),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;

    const refused = await upgradeAnswer(port, '/other?x=1');
    expect(refused).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
    expect(refused).toContain('connection: close');
    expect(await upgradeAnswer(port, '/graphql?token=t')).toMatch(/^HTTP\/1\.1 101/);
    expect(accepted).toEqual(['/graphql?token=t']);
  });
});

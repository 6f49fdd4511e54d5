import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresComponent } from '../lib/postgres.ts';
import { eventually } from './support/http.ts';
import { createSandbox, type Sandbox } from './support/isolation.ts';
import { proxyInFrontOf, type TcpProxy } from './support/tcp-proxy.ts';

describe('a PostgreSQL connection lost between two statements of a transaction', () => {
  let sandbox: Sandbox;
  let proxy: TcpProxy;
  let postgres: ReturnType<typeof createPostgresComponent>;

  beforeAll(async () => {
    sandbox = await createSandbox();
    const proxied = await proxyInFrontOf(sandbox.databaseUrl, 5432);
    proxy = proxied.proxy;
    const viaProxy = proxied.url;
    postgres = createPostgresComponent(viaProxy, 2);
    await postgres.start();
  });
  afterAll(async () => {
    await postgres?.stop();
    await proxy?.close();
    await sandbox?.dispose();
  });

  it('fails the next statement instead of crashing the process, and the pool recovers', async () => {
    const client = await postgres.pool.connect();
    await client.query('begin');
    // The client is checked out and idle: pg reports the loss as an 'error' event on it, which
    // without a listener would be an uncaught exception ending this test process.
    await proxy.refuse();
    await eventually(() =>
      client.query('select 1').then(
        () => undefined,
        (error: unknown) => error,
      ),
    ).then((error) => expect(String(error)).toMatch(/connection|terminated|queryable/i));
    client.release(true);
    await proxy.accept();
    await eventually(() => postgres.ready().catch(() => undefined));
  });
});

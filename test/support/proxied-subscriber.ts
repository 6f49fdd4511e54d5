import { afterAll, beforeAll } from 'vitest';
import { createChannelSubscriber, type ChannelSubscriber } from '../../lib/redis-channels.ts';
import type { ChildService } from './child-service.ts';
import { createSandbox, type Sandbox } from './isolation.ts';
import { spawnProcessor } from './processor.ts';
import { sandboxProfiles } from './profiles.ts';
import { proxyInFrontOf, type TcpProxy } from './tcp-proxy.ts';

/** What the describe block gets; each throws when called before the block's beforeAll ran. */
export interface ProxiedSubscriber {
  /** The block's own sandbox, of one partition. */
  sandbox(): Sandbox;
  /** Direct access to the sandbox's profiles, not through the proxy. */
  profiles(): ReturnType<typeof sandboxProfiles>;
  /** The proxy in front of Redis that the subscriber's connection goes through. */
  proxy(): TcpProxy;
  /** The pub/sub subscriber, started, connected through the proxy. */
  channels(): ChannelSubscriber;
}

function started<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is created in beforeAll`);
  return value;
}

/**
 * For the enclosing describe block: a fresh sandbox with the real processor on it, and a Redis
 * pub/sub subscriber whose connection alone goes through a TCP proxy, so refusing the proxy
 * loses announcements while the processor and `profiles` reach Redis directly. Created in a
 * beforeAll, stopped and disposed in an afterAll; hooks the block registers later run after
 * the start and before the stop.
 */
export function useProxiedSubscriber(): ProxiedSubscriber {
  let sandbox: Sandbox | undefined;
  let profiles: ReturnType<typeof sandboxProfiles> | undefined;
  let proxy: TcpProxy | undefined;
  let channels: ChannelSubscriber | undefined;
  let processor: ChildService | undefined;
  beforeAll(async () => {
    sandbox = await createSandbox({ partitions: 1 });
    profiles = sandboxProfiles(sandbox);
    const proxied = await proxyInFrontOf(sandbox.redisUrl, 6379);
    proxy = proxied.proxy;
    channels = createChannelSubscriber(proxied.url);
    await channels.start();
    processor = await spawnProcessor(sandbox);
  });
  afterAll(async () => {
    await processor?.stop();
    await channels?.stop();
    await proxy?.close();
    profiles?.close();
    await sandbox?.dispose();
  });
  return {
    sandbox: () => started(sandbox, 'the sandbox'),
    profiles: () => started(profiles, 'the profiles access'),
    proxy: () => started(proxy, 'the proxy'),
    channels: () => started(channels, 'the subscriber'),
  };
}

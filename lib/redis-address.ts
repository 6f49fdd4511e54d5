import { z } from 'zod';

/**
 * Where Redis is: one server (`redis://[user:password@]host:port[/db]`, `rediss://` with TLS),
 * or a Redis Cluster by its seed nodes (`redis+cluster://[user:password@]host:port,host:port…`,
 * `rediss+cluster://` with TLS). Any one reachable seed is enough: the client learns the other
 * nodes and the slot map from it. A comma-separated host list is not a WHATWG URL, so the
 * cluster form is parsed here rather than by `new URL()`.
 */
export type RedisAddress =
  | { kind: 'single'; url: string }
  | {
      kind: 'cluster';
      seeds: Array<{ host: string; port: number }>;
      username?: string;
      password?: string;
      tls: boolean;
    };

const CLUSTER_FORM = /^(rediss?)\+cluster:\/\/(?:([^@/]*)@)?([^/?#]+)\/?$/;

export function parseRedisAddress(address: string): RedisAddress {
  const cluster = CLUSTER_FORM.exec(address);
  if (cluster === null) {
    const url = new URL(address); // throws on garbage, as any URL setting does
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
      throw new Error(`a Redis address starts with redis://, rediss:// or redis+cluster://`);
    return { kind: 'single', url: address };
  }
  const [, scheme = 'redis', credentials, hosts = ''] = cluster;
  const seeds = hosts.split(',').map((hostPort) => {
    const parsed = new URL(`redis://${hostPort}`);
    return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: Number(parsed.port || 6379) };
  });
  const [user, password] = (credentials ?? '').split(':', 2).map(decodeURIComponent);
  return {
    kind: 'cluster',
    seeds,
    ...(user ? { username: user } : {}),
    ...(password ? { password } : {}),
    tls: scheme === 'rediss',
  };
}

/** The host:port list of an address, for logs and the ready table (never the credentials). */
export function redisAddressHosts(address: string): string {
  const parsed = parseRedisAddress(address);
  if (parsed.kind === 'cluster') return parsed.seeds.map((s) => `${s.host}:${s.port}`).join(',');
  const url = new URL(parsed.url);
  return `${url.hostname}:${url.port || 6379}`;
}

/** A settings field holding a Redis address (single server or cluster seeds). */
export const redisAddressSetting = z.string().refine(
  (value) => {
    try {
      parseRedisAddress(value);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected redis://host:port, rediss://…, or redis+cluster://host:port,host:port' },
);

import type http from 'node:http';
import net from 'node:net';

/** `::ffff:10.0.0.1` (how a dual-stack socket reports an IPv4 peer) is `10.0.0.1`. */
export function normalizeAddress(address: string): string {
  const lower = address.trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  return mapped?.[1] ?? lower;
}

/** An address (`10.0.0.1`, `::1`) or a subnet in CIDR notation (`10.0.0.0/8`, `fd00::/8`). */
export function parseAddressOrSubnet(
  entry: string,
): { address: string; family: 'ipv4' | 'ipv6'; prefix?: number } | undefined {
  const [address = '', prefix, ...rest] = entry.trim().split('/');
  const version = net.isIP(address);
  if (version === 0 || rest.length > 0) return undefined;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  if (prefix === undefined) return { address, family };
  const bits = Number(prefix);
  const maxBits = version === 4 ? 32 : 128;
  if (!/^\d+$/.test(prefix) || bits > maxBits) return undefined;
  return { address, family, prefix: bits };
}

function blockListOf(entries: readonly string[]): net.BlockList {
  const list = new net.BlockList();
  for (const entry of entries) {
    const parsed = parseAddressOrSubnet(entry);
    if (parsed === undefined) throw new Error(`not an address or CIDR subnet: ${entry}`);
    if (parsed.prefix === undefined)
      list.addAddress(normalizeAddress(parsed.address), parsed.family);
    else list.addSubnet(parsed.address, parsed.prefix, parsed.family);
  }
  return list;
}

/**
 * The address a WebSocket upgrade comes from: the socket's peer, unless that peer is one of
 * `trustedProxies` (a function: read live) — then `X-Forwarded-For` is walked from the right,
 * each trusted hop handing over to the one it forwarded for, and the first untrusted one is the
 * client. A client cannot spoof its address: what it writes in `X-Forwarded-For` itself lies
 * left of what its (trusted) proxy appended, and is never reached.
 */
export function createClientAddressResolver(
  trustedProxies: () => readonly string[],
): (request: http.IncomingMessage) => string {
  // Rebuilt only when the settings' list changes (a live config change).
  let indexed: readonly string[] | undefined;
  let trusted = new net.BlockList();
  const isTrusted = (address: string): boolean => {
    const entries = trustedProxies();
    if (entries !== indexed) {
      indexed = entries;
      trusted = blockListOf(entries);
    }
    if (entries.length === 0) return false;
    const version = net.isIP(address);
    return version !== 0 && trusted.check(address, version === 4 ? 'ipv4' : 'ipv6');
  };
  return (request) => {
    let address = normalizeAddress(request.socket.remoteAddress ?? '');
    if (!isTrusted(address)) return address;
    const header = request.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',');
    for (let index = hops.length - 1; index >= 0 && isTrusted(address); index--) {
      const hop = normalizeAddress(hops[index] ?? '');
      // A malformed hop ends the walk: the last trusted address is the best one known.
      if (net.isIP(hop) === 0) break;
      address = hop;
    }
    return address;
  };
}

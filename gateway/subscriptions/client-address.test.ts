import type http from 'node:http';
import { describe, expect, it } from 'vitest';
import { createClientAddressResolver, parseAddressOrSubnet } from './client-address.ts';

const upgrade = (remoteAddress: string, forwardedFor?: string) =>
  ({
    socket: { remoteAddress },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  }) as unknown as http.IncomingMessage;

describe('the client address of an upgrade', () => {
  it('is the socket peer, X-Forwarded-For ignored, when no proxy is trusted', () => {
    const resolve = createClientAddressResolver(() => []);
    expect(resolve(upgrade('203.0.113.7', '198.51.100.1'))).toBe('203.0.113.7');
    expect(resolve(upgrade('::ffff:203.0.113.7'))).toBe('203.0.113.7');
  });

  it('is the first untrusted hop from the right when the peer is a trusted proxy', () => {
    const resolve = createClientAddressResolver(() => ['10.0.0.0/8', '192.0.2.1']);
    // The client wrote "1.1.1.1" itself; its proxies appended what they saw.
    expect(resolve(upgrade('10.0.0.5', '1.1.1.1, 198.51.100.9, 192.0.2.1'))).toBe('198.51.100.9');
    expect(resolve(upgrade('::ffff:10.0.0.5', '198.51.100.9'))).toBe('198.51.100.9');
    // No header, or a malformed last hop: the proxy is the best address known.
    expect(resolve(upgrade('10.0.0.5'))).toBe('10.0.0.5');
    expect(resolve(upgrade('10.0.0.5', '1.1.1.1, garbage'))).toBe('10.0.0.5');
    // Not from a trusted proxy: its header is the client's word, ignored.
    expect(resolve(upgrade('198.51.100.9', '1.1.1.1'))).toBe('198.51.100.9');
  });

  it('reads the trusted proxies live', () => {
    let trusted: string[] = [];
    const resolve = createClientAddressResolver(() => trusted);
    expect(resolve(upgrade('10.0.0.5', '198.51.100.9'))).toBe('10.0.0.5');
    trusted = ['10.0.0.5'];
    expect(resolve(upgrade('10.0.0.5', '198.51.100.9'))).toBe('198.51.100.9');
  });

  it('takes addresses and CIDR subnets as trusted proxies, nothing else', () => {
    expect(parseAddressOrSubnet('10.0.0.0/8')).toEqual({
      address: '10.0.0.0',
      family: 'ipv4',
      prefix: 8,
    });
    expect(parseAddressOrSubnet('fd00::/8')?.family).toBe('ipv6');
    expect(parseAddressOrSubnet('::1')).toEqual({ address: '::1', family: 'ipv6' });
    for (const bad of ['10.0.0.0/33', 'proxy.local', '10.0.0.0/8/1', '10.0.0.0/x', ''])
      expect(parseAddressOrSubnet(bad)).toBeUndefined();
  });
});

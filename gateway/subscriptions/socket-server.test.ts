import type http from 'node:http';
import { describe, expect, it } from 'vitest';
import { tokenOf } from './socket-server.ts';

const request = (authorization?: string) =>
  ({ headers: authorization ? { authorization } : {} }) as http.IncomingMessage;

describe('tokenOf', () => {
  it('takes the connection_init token first, in any of its usual places, without "Bearer"', () => {
    expect(tokenOf({ authorization: 'Bearer abc' }, request('Bearer other'))).toBe('abc');
    expect(tokenOf({ token: 'abc' }, request())).toBe('abc');
    expect(tokenOf({ headers: { authorization: 'bearer abc' } }, request())).toBe('abc');
  });

  it('falls back to the upgrade request, and to none', () => {
    expect(tokenOf(undefined, request('Bearer xyz'))).toBe('xyz');
    expect(tokenOf({}, request())).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { signGatewayRequest, verifyGatewayRequest, type SignedParts } from './gateway-signature.ts';

const secret = 'a-test-secret-of-enough-length';
const parts: SignedParts = {
  method: 'POST',
  target: '/graphql',
  subject: 'alice',
  scopes: 'profiles:read',
  body: '{"query":"{ __typename }"}',
};
const now = 1_800_000_000_000; // a fixed instant, ms
const nonce = '00000000-0000-4000-8000-000000000000'; // a fixed random UUID

describe('gateway request signatures', () => {
  it('verify what was signed with the same secret, naming its time and nonce', () => {
    const signature = signGatewayRequest(secret, parts, now, nonce);
    expect(signature).toMatch(
      /^t=1800000000,n=00000000-0000-4000-8000-000000000000,v2=[0-9a-f]{64}$/,
    );
    expect(verifyGatewayRequest(secret, signature, parts, 30, now + 1_000)).toEqual({
      ok: true,
      timestamp: 1_800_000_000,
      nonce,
    });
    const asBuffer = { ...parts, body: Buffer.from(parts.body) };
    expect(verifyGatewayRequest(secret, signature, asBuffer, 30, now).ok).toBe(true);
  });

  it('accept previous secrets during a rotation, and nothing else', () => {
    const next = 'the-next-secret-of-enough-length';
    const underOld = signGatewayRequest(secret, parts, now, nonce);
    const underNew = signGatewayRequest(next, parts, now, nonce);
    expect(verifyGatewayRequest([next, secret], underOld, parts, 30, now).ok).toBe(true);
    expect(verifyGatewayRequest([secret, next], underNew, parts, 30, now).ok).toBe(true);
    expect(verifyGatewayRequest([next], underOld, parts, 30, now)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('give two signatures of the same request different nonces', () => {
    const [a, b] = [signGatewayRequest(secret, parts, now), signGatewayRequest(secret, parts, now)];
    expect(a).not.toBe(b);
    expect(verifyGatewayRequest(secret, a, parts, 30, now).ok).toBe(true);
    expect(verifyGatewayRequest(secret, b, parts, 30, now).ok).toBe(true);
  });

  it('refuse a change of any signed part', () => {
    const signature = signGatewayRequest(secret, parts, now, nonce);
    const changes: Partial<SignedParts>[] = [
      { method: 'GET' },
      { target: '/graphql/' },
      { target: '/other' },
      { target: '/graphql?query=%7Bviewer%7Bsubject%7D%7D' },
      { subject: 'mallory' },
      { scopes: 'profiles:read profiles:delete' },
      { body: '{"query":"{ viewer { subject } }"}' },
    ];
    for (const change of changes)
      expect([
        change,
        verifyGatewayRequest(secret, signature, { ...parts, ...change }, 30, now),
      ]).toEqual([change, { ok: false, reason: 'mismatch' }]);
    expect(
      verifyGatewayRequest('another-secret-of-enough-length', signature, parts, 30, now),
    ).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('refuse an edited time or nonce', () => {
    const signature = signGatewayRequest(secret, parts, now, nonce);
    const otherTime = signature.replace('t=1800000000', 't=1800000001');
    const otherNonce = signature.replace(`n=${nonce}`, `n=1${nonce.slice(1)}`);
    expect(verifyGatewayRequest(secret, otherTime, parts, 30, now)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifyGatewayRequest(secret, otherNonce, parts, 30, now)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('refuse signatures outside the window, either side', () => {
    const signature = signGatewayRequest(secret, parts, now, nonce);
    expect(verifyGatewayRequest(secret, signature, parts, 30, now + 30_000).ok).toBe(true);
    for (const at of [now + 31_000, now - 31_000])
      expect(verifyGatewayRequest(secret, signature, parts, 30, at)).toEqual({
        ok: false,
        reason: 'expired',
      });
  });

  it('refuse missing, malformed and version 1 signatures', () => {
    const check = (signature: string | undefined) =>
      verifyGatewayRequest(secret, signature, parts, 30, now);
    expect(check(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(check('')).toEqual({ ok: false, reason: 'missing' });
    expect(check('t=1,v1=zz')).toEqual({ ok: false, reason: 'malformed' });
    expect(check(`t=1800000000,n=short,v2=${'0'.repeat(64)}`)).toEqual({
      ok: false,
      reason: 'malformed',
    });
    expect(check(`t=1800000000,v1=${'0'.repeat(64)}`)).toEqual({ ok: false, reason: 'outdated' });
  });
});

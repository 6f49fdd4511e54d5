import { describe, expect, it } from 'vitest';
import { signGatewayRequest, verifyGatewayRequest } from './gateway-signature.ts';

const secret = 'a-test-secret-of-enough-length';
const parts = { subject: 'alice', scopes: 'profiles:read', body: '{"query":"{ __typename }"}' };
const now = 1_800_000_000_000; // a fixed instant, ms

describe('gateway request signatures', () => {
  it('verify what was signed with the same secret', () => {
    const signature = signGatewayRequest(secret, parts, now);
    expect(verifyGatewayRequest(secret, signature, parts, 300, now + 1_000)).toEqual({ ok: true });
    expect(
      verifyGatewayRequest(
        secret,
        signature,
        { ...parts, body: Buffer.from(parts.body) },
        300,
        now,
      ),
    ).toEqual({ ok: true });
  });

  it('refuse another secret, an edited identity or body, and old signatures', () => {
    const signature = signGatewayRequest(secret, parts, now);
    const check = (overrides: Partial<typeof parts>, s = secret, at = now) =>
      verifyGatewayRequest(s, signature, { ...parts, ...overrides }, 300, at);
    expect(check({}, 'another-secret-of-enough-length')).toEqual({ ok: false, reason: 'mismatch' });
    expect(check({ subject: 'mallory' })).toEqual({ ok: false, reason: 'mismatch' });
    expect(check({ scopes: 'profiles:read profiles:delete' })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(check({ body: '{"query":"{ viewer { subject } }"}' })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(check({}, secret, now + 301_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuse missing and malformed signatures', () => {
    expect(verifyGatewayRequest(secret, undefined, parts, 300, now)).toEqual({
      ok: false,
      reason: 'missing',
    });
    expect(verifyGatewayRequest(secret, 't=1,v1=zz', parts, 300, now)).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });
});

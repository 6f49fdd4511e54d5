import type http from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  admitGatewayConnection,
  admitGatewayRequest,
  admitGatewaySubscribe,
  signGatewayConnection,
  signGatewaySubscribe,
  type GatewaySignatureSettings,
} from './admit-gateway-request.ts';
import { signGatewayRequest } from './gateway-signature.ts';
import { IDENTITY_HEADERS } from './identity-headers.ts';

const secret = 'a-test-secret-of-enough-length';
const body = Buffer.from('{"query":"{ viewer { subject } }"}');
const settings = (replayCacheMaxEntries = 1_000): GatewaySignatureSettings => ({
  secret,
  maxAgeSeconds: 30,
  replayCacheMaxEntries,
});

/** What the route hands the check: the request line and headers (the body is read already). */
function request(method: string, url: string, headers: Record<string, string>) {
  return { method, url, headers } as unknown as http.IncomingMessage;
}

function signed(url = '/graphql'): Record<string, string> {
  return {
    [IDENTITY_HEADERS.subject]: 'alice',
    [IDENTITY_HEADERS.scopes]: 'profiles:read',
    [IDENTITY_HEADERS.signature]: signGatewayRequest(secret, {
      method: 'POST',
      target: url,
      subject: 'alice',
      scopes: 'profiles:read',
      body,
    }),
  };
}

describe('admitting gateway requests', () => {
  it('serves a signed POST once, as its caller', () => {
    const trust = settings();
    const headers = signed();
    const first = admitGatewayRequest(trust, request('POST', '/graphql', headers), body);
    expect(first).toEqual({
      ok: true,
      caller: { subject: 'alice', scopes: new Set(['profiles:read']) },
    });
    const again = admitGatewayRequest(trust, request('POST', '/graphql', headers), body);
    expect(again).toMatchObject({ ok: false, status: 403, extensions: { reason: 'replayed' } });
  });

  it('refuses anything but POST with 405 before looking at the signature', () => {
    for (const method of ['GET', 'PUT', 'DELETE'])
      expect(admitGatewayRequest(settings(), request(method, '/graphql', signed()), body)).toEqual({
        ok: false,
        status: 405,
        code: 'METHOD_NOT_ALLOWED',
        message: 'this subgraph takes GraphQL operations by POST from the gateway only',
        headers: { allow: 'POST' },
      });
  });

  it('answers 503 when the replay cache is full; each process has its own', () => {
    const trust = settings(1_000);
    for (let index = 0; index < 1_000; index += 1)
      expect(admitGatewayRequest(trust, request('POST', '/graphql', signed()), body).ok).toBe(true);
    expect(admitGatewayRequest(trust, request('POST', '/graphql', signed()), body)).toMatchObject({
      ok: false,
      status: 503,
      code: 'SERVICE_UNAVAILABLE',
      headers: { 'retry-after': '1' },
    });
    // Another process (another settings object) has its own cache.
    expect(admitGatewayRequest(settings(), request('POST', '/graphql', signed()), body).ok).toBe(
      true,
    );
  });

  it('admits each graphql-ws connection signature once, and never as an HTTP request', () => {
    const trust = settings();
    const headers = signGatewayConnection(secret);
    expect(admitGatewayConnection(trust, headers)).toBe(true);
    expect(admitGatewayConnection(trust, headers)).toBe(false);
    expect(admitGatewayConnection(trust, signGatewayConnection(secret))).toBe(true);
    expect(admitGatewayConnection(trust, {})).toBe(false);
    const asHttp = admitGatewayRequest(
      trust,
      request('POST', '/graphql', signGatewayConnection(secret)),
      Buffer.from('graphql-ws connection'),
    );
    expect(asHttp).toMatchObject({ ok: false, status: 403, extensions: { reason: 'mismatch' } });
  });

  describe('subscribes on the gateway connection', () => {
    const operation = {
      query: 'subscription ($id: ID!) { profileUpdated(id: $id) { id } }',
      variables: { id: 'u1', nested: { b: 1, a: 2 } },
    };
    const alice = {
      [IDENTITY_HEADERS.subject]: 'alice',
      [IDENTITY_HEADERS.scopes]: 'profiles:read',
    };

    it('serves a signed subscribe once, as its caller, whatever the key order of its variables', () => {
      const trust = settings();
      const headers = signGatewaySubscribe(secret, operation, alice);
      // The subgraph sees the payload parsed: keys reordered, operationName absent or null.
      const received = {
        ...operation,
        operationName: null,
        variables: { nested: { a: 2, b: 1 }, id: 'u1' },
      };
      expect(admitGatewaySubscribe(trust, received, headers)).toEqual({
        ok: true,
        caller: { subject: 'alice', scopes: new Set(['profiles:read']) },
      });
      expect(admitGatewaySubscribe(trust, received, headers)).toMatchObject({
        ok: false,
        code: 'FORBIDDEN',
        extensions: { reason: 'replayed' },
      });
    });

    it('refuses an unsigned one, another identity, query or variables', () => {
      const trust = settings();
      expect(admitGatewaySubscribe(trust, operation, alice)).toMatchObject({
        ok: false,
        code: 'UNAUTHENTICATED',
      });
      const headers = signGatewaySubscribe(secret, operation, alice);
      const altered = [
        [operation, { ...headers, [IDENTITY_HEADERS.scopes]: 'profiles:read profiles:delete' }],
        [operation, { ...headers, [IDENTITY_HEADERS.subject]: 'mallory' }],
        [{ ...operation, query: 'subscription { profilesUpdated { id } }' }, headers],
        [{ ...operation, variables: { ...operation.variables, id: 'u2' } }, headers],
        [{ ...operation, operationName: 'Other' }, headers],
      ] as const;
      for (const [changed, sent] of altered)
        expect(admitGatewaySubscribe(trust, changed, sent)).toMatchObject({
          ok: false,
          code: 'FORBIDDEN',
          extensions: { reason: 'mismatch' },
        });
      expect(admitGatewaySubscribe(trust, operation, headers).ok).toBe(true);
    });

    it('is neither an HTTP request nor a connection signature', () => {
      const trust = settings();
      const headers = signGatewaySubscribe(secret, { query: 'graphql-ws connection' }, {});
      expect(admitGatewayConnection(trust, headers)).toBe(false);
      const body = Buffer.from(JSON.stringify({ query: operation.query }));
      expect(
        admitGatewayRequest(
          trust,
          request('POST', '', signGatewaySubscribe(secret, operation, alice)),
          body,
        ),
      ).toMatchObject({ ok: false, extensions: { reason: 'mismatch' } });
    });
  });
});

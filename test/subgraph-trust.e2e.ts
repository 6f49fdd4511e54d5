import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDENTITY_HEADERS } from '../lib/graphql/identity-headers.ts';
import { bearer } from './support/auth.ts';
import { post } from './support/gateway-requests.ts';
import {
  createRecordingProxy,
  type RecordedRequest,
  type RecordingProxy,
} from './support/recording-proxy.ts';
import { useSystem } from './support/use-system.ts';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: {
    data?: unknown;
    errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
  };
}

/** Sends a request byte for byte as given (headers included), as an attacker replaying it would. */
function send(origin: string, request: RecordedRequest): Promise<Answer> {
  const target = new URL(origin);
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: request.method,
        path: request.url,
        headers: { ...request.headers, host: target.host },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Answer['body'],
          }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

const refusal = (answer: Answer) => [
  answer.status,
  answer.body.errors?.[0]?.extensions?.['code'],
  answer.body.errors?.[0]?.extensions?.['reason'],
];

/**
 * Someone who can watch the traffic between the gateway and a subgraph captures a real signed
 * request and sends it again: as it was, as a GET with another query, to another path or
 * query string. Each is refused with its own code; the gateway itself keeps working.
 */
describe('gateway to subgraph trust', () => {
  const { system } = useSystem();
  let proxy: RecordingProxy;
  let gatewayGraphql: string;
  let captured: RecordedRequest;
  const profileOrigin = () => `http://127.0.0.1:${system().services['profile']!.http.port()}`;
  const query = { query: '{ viewer { subject scopes } }' };

  beforeAll(async () => {
    proxy = await createRecordingProxy(profileOrigin());
    const gateway = await system().startGateway({
      overrides: { subgraphs: { profile: `${proxy.origin}/graphql` } },
    });
    gatewayGraphql = `${gateway.url}/graphql`;
    const answer = await post(gatewayGraphql, query, bearer(system().adminToken));
    expect(answer.body).toEqual({
      data: { viewer: { subject: 'test-admin', scopes: expect.any(Array) as unknown } },
    });
    expect(proxy.requests).toHaveLength(1);
    captured = proxy.requests[0]!;
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it('the gateway signs each request with a version 2 signature and a nonce', async () => {
    expect([captured.method, captured.url]).toEqual(['POST', '/graphql']);
    expect(captured.headers[IDENTITY_HEADERS.signature]).toMatch(
      /^t=\d+,n=[0-9a-f-]{36},v2=[0-9a-f]{64}$/,
    );
    // The same request again through the gateway is signed anew.
    await post(gatewayGraphql, query, bearer(system().adminToken));
    expect(proxy.requests).toHaveLength(2);
    expect(proxy.requests[1]!.headers[IDENTITY_HEADERS.signature]).not.toBe(
      captured.headers[IDENTITY_HEADERS.signature],
    );
  });

  it('refuses the same request again', async () => {
    expect(refusal(await send(profileOrigin(), captured))).toEqual([403, 'FORBIDDEN', 'replayed']);
  });

  it('refuses it as a GET with another query', async () => {
    const answer = await send(profileOrigin(), {
      ...captured,
      method: 'GET',
      url: `/graphql?query=${encodeURIComponent('{ profile(id: "u1") { id } }')}`,
      headers: { ...captured.headers, 'content-length': '0', 'apollo-require-preflight': 'true' },
      body: Buffer.alloc(0),
    });
    expect(refusal(answer)).toEqual([405, 'METHOD_NOT_ALLOWED', undefined]);
    expect(answer.headers['allow']).toBe('POST');
  });

  it('refuses it with another query string or path', async () => {
    for (const url of ['/graphql?', '/graphql?operation=other'])
      expect([url, ...refusal(await send(profileOrigin(), { ...captured, url }))]).toEqual([
        url,
        403,
        'FORBIDDEN',
        'mismatch',
      ]);
    // Another path is not a GraphQL endpoint at all.
    expect((await send(profileOrigin(), { ...captured, url: '/graphql/' })).status).toBe(404);
  });

  it('refuses a version 1 signature by name', async () => {
    const v1 = `t=${Math.floor(Date.now() / 1_000)},v1=${'0'.repeat(64)}`;
    const answer = await send(profileOrigin(), {
      ...captured,
      headers: { ...captured.headers, [IDENTITY_HEADERS.signature]: v1 },
    });
    expect(refusal(answer)).toEqual([403, 'FORBIDDEN', 'outdated']);
  });

  it('keeps serving the gateway afterwards', async () => {
    const answer = await post(gatewayGraphql, query, bearer(system().adminToken));
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
  });
});

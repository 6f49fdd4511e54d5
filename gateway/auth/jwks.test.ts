import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthSettings } from '../config.ts';
import { AuthenticationError, KeySourceUnavailableError } from './identity.ts';
import { createJwtAuthenticator } from './jwt-authenticator.ts';

/** An identity provider's JWKS endpoint on loopback, as the gateway fetches it. */
describe('JWT authenticator with a JWKS URL', () => {
  let server: http.Server;
  let url: string;
  let sign: (kid: string) => Promise<string>;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
    server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    sign = (kid) =>
      new SignJWT({ scope: 'profiles:read' })
        .setProtectedHeader({ alg: 'RS256', kid })
        .setSubject('idp-user')
        .setExpirationTime('5m')
        .sign(pair.privateKey);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const settings = (jwksUrl: string): AuthSettings => ({
    algorithms: ['ES256', 'RS256'],
    jwksUrl,
    publicKey: '',
    publicKeyFile: '',
    hs256Secret: '',
    issuer: '',
    audience: '',
    clockToleranceSeconds: 0,
  });

  it('verifies tokens with the key their kid names', async () => {
    const auth = await createJwtAuthenticator(settings(url));
    expect((await auth.authenticate(await sign('key-1')))?.subject).toBe('idp-user');
    await expect(auth.authenticate(await sign('unknown-key'))).rejects.toThrow(AuthenticationError);
  });

  it('reports an unreachable JWKS endpoint as unavailable, not as a bad token', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const auth = await createJwtAuthenticator(settings(`http://127.0.0.1:${port}/jwks.json`));
    await expect(auth.authenticate(await sign('key-1'))).rejects.toThrow(KeySourceUnavailableError);
  });
});

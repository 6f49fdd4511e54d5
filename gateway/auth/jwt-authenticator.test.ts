import { SignJWT, generateKeyPair } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuthSettings } from '../config.ts';
import { generateEs256KeyPair, mintToken, type KeyPairPem } from './dev-keys.ts';
import { AuthenticationError, bearerToken, type Authenticator } from './identity.ts';
import { createJwtAuthenticator } from './jwt-authenticator.ts';

const base: Omit<AuthSettings, 'publicKey'> = {
  algorithms: ['ES256', 'RS256'],
  jwksUrl: '',
  publicKeyFile: '',
  hs256Secret: '',
  issuer: 'test-issuer',
  audience: 'pulsehub',
  clockToleranceSeconds: 0,
};
const claims = {
  subject: 'alice',
  scopes: ['profiles:read', 'activities:read'],
  expiresInSeconds: 60,
  issuer: 'test-issuer',
  audience: 'pulsehub',
};

describe('JWT authenticator', () => {
  let keys: KeyPairPem;
  let auth: Authenticator;
  beforeAll(async () => {
    keys = await generateEs256KeyPair();
    auth = await createJwtAuthenticator({ ...base, publicKey: keys.publicKey });
  });

  it('accepts a valid token and reads its subject and scopes', async () => {
    const identity = await auth.authenticate(await mintToken(keys.privateKey, claims));
    expect(identity?.subject).toBe('alice');
    expect([...(identity?.scopes ?? [])]).toEqual(['profiles:read', 'activities:read']);
  });

  it('treats no token as anonymous', async () => {
    expect(await auth.authenticate(undefined)).toBeUndefined();
  });

  it('rejects expired, forged, mis-addressed and malformed tokens', async () => {
    const other = await generateEs256KeyPair();
    const reject = (token: string) =>
      expect(auth.authenticate(token)).rejects.toThrow(AuthenticationError);
    await expect(
      auth.authenticate(await mintToken(keys.privateKey, { ...claims, expiresInSeconds: -10 })),
    ).rejects.toThrow('expired');
    await expect(auth.authenticate(await mintToken(other.privateKey, claims))).rejects.toThrow(
      'signature',
    );
    await reject(await mintToken(keys.privateKey, { ...claims, audience: 'someone-else' }));
    await reject(await mintToken(keys.privateKey, { ...claims, issuer: 'someone-else' }));
    await reject('not.a.token');
  });

  it('refuses HS256 and unsigned tokens unless HS256 is configured', async () => {
    const secret = new TextEncoder().encode('x'.repeat(32));
    const hs = await new SignJWT({ scope: 'profiles:read' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('mallory')
      .setExpirationTime('1m')
      .setIssuer('test-issuer')
      .setAudience('pulsehub')
      .sign(secret);
    await expect(auth.authenticate(hs)).rejects.toThrow('algorithm');
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"m","exp":9999999999}').toString('base64url')}.`;
    await expect(auth.authenticate(none)).rejects.toThrow(AuthenticationError);
    const withHs = await createJwtAuthenticator({
      ...base,
      publicKey: keys.publicKey,
      algorithms: ['ES256', 'HS256'],
      hs256Secret: 'x'.repeat(32),
    });
    expect((await withHs.authenticate(hs))?.subject).toBe('mallory');
  });

  it('accepts RS256 with an RSA public key', async () => {
    const rsa = await generateKeyPair('RS256', { extractable: true });
    const { exportSPKI } = await import('jose');
    const rsaAuth = await createJwtAuthenticator({
      ...base,
      publicKey: await exportSPKI(rsa.publicKey),
    });
    const token = await new SignJWT({ scp: ['config:read'] })
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject('ops')
      .setExpirationTime('1m')
      .setIssuer('test-issuer')
      .setAudience('pulsehub')
      .sign(rsa.privateKey);
    expect([...((await rsaAuth.authenticate(token))?.scopes ?? [])]).toEqual(['config:read']);
  });
});

describe('bearer tokens', () => {
  it('reads the Bearer scheme and refuses others', () => {
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(() => bearerToken('Basic ZGV2LXdyaXRlLWtleTo=')).toThrow(AuthenticationError);
  });
});

import { describe, expect, it } from 'vitest';
import { DEV_PUBLIC_KEY_FILE } from '../auth/dev-keys.ts';
import type { AuthSettings } from '../config.ts';
import { DASHBOARD_SCOPES, trustsDevelopmentKey } from './dev-session.ts';

const auth = (settings: Partial<AuthSettings>): AuthSettings => ({
  algorithms: ['ES256'],
  jwksUrl: '',
  publicKey: '',
  publicKeyFile: '',
  hs256Secret: '',
  issuer: 'pulsehub-dev',
  audience: 'pulsehub',
  clockToleranceSeconds: 5,
  ...settings,
});

describe('development sign-in', () => {
  it('exists only while the gateway trusts the development key and nothing else', () => {
    expect(trustsDevelopmentKey(auth({ publicKeyFile: '.data/auth/dev-es256-public.pem' }))).toBe(
      true,
    );
    expect(trustsDevelopmentKey(auth({ publicKeyFile: DEV_PUBLIC_KEY_FILE }))).toBe(true);
    expect(trustsDevelopmentKey(auth({ publicKeyFile: 'keys/idp.pem' }))).toBe(false);
    expect(trustsDevelopmentKey(auth({ publicKey: '-----BEGIN PUBLIC KEY-----' }))).toBe(false);
    expect(trustsDevelopmentKey(auth({ jwksUrl: 'https://id.example.com/jwks' }))).toBe(false);
  });

  it('grants reading only', () => {
    expect([...DASHBOARD_SCOPES].sort()).toEqual([
      'activities:read',
      'config:read',
      'profiles:read',
      'system:read',
    ]);
  });
});

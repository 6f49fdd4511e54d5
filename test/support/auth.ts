import { SCOPES } from '../../gateway/auth/identity.ts';
import { generateEs256KeyPair, mintToken, type KeyPairPem } from '../../gateway/auth/dev-keys.ts';

/** Every scope: what `npm start` prints as the admin token. */
export const ALL_SCOPES: readonly string[] = SCOPES;

/** The issuer and audience of config/gateway.yml, which test tokens carry. */
export const TEST_TOKEN_CLAIMS = { issuer: 'pulsehub-dev', audience: 'pulsehub' } as const;

export interface TestKeys {
  keys: KeyPairPem;
  /** Gateway setting overrides that trust these keys (instead of the development key file). */
  gatewayAuth: Record<string, unknown>;
  /** A valid token for `subject` with `scopes` (all by default). */
  token(
    scopes?: readonly string[],
    options?: { subject?: string; expiresInSeconds?: number },
  ): Promise<string>;
}

/** A key pair of the test's own, so tests never depend on the development key in `.data/`. */
export async function createTestKeys(): Promise<TestKeys> {
  const keys = await generateEs256KeyPair();
  return {
    keys,
    gatewayAuth: { auth: { publicKey: keys.publicKey, publicKeyFile: '' } },
    token: (scopes = ALL_SCOPES, options = {}) =>
      mintToken(keys.privateKey, {
        subject: options.subject ?? 'test-admin',
        scopes,
        expiresInSeconds: options.expiresInSeconds ?? 600,
        ...TEST_TOKEN_CLAIMS,
      }),
  };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

// Development tokens: signed with the key pair `npm start` keeps in .data/auth, for the gateway
// configured with that key (config/gateway.yml's default). Used by `npm start` (the admin token
// it prints) and `npm run token`.
import path from 'node:path';
import { loadServiceConfig } from '../config/client/load.ts';
import { DEV_PUBLIC_KEY_FILE, ensureDevKeyPair, mintToken } from '../gateway/auth/dev-keys.ts';
import { SCOPES } from '../gateway/auth/identity.ts';
import { gatewayConfigSchema } from '../gateway/config.ts';
import { REPO_ROOT } from '../gateway/repo-root.ts';

export interface DevTokenOptions {
  subject: string;
  scopes: readonly string[];
  expiresInSeconds: number;
}

export const ADMIN_TOKEN: DevTokenOptions = {
  subject: 'dev-admin',
  scopes: SCOPES,
  expiresInSeconds: 7 * 24 * 3_600, // a week
};

/**
 * A token the configured gateway accepts, creating the development key pair on first use.
 * Throws when the gateway trusts another key (a JWKS URL, a production public key): then the
 * identity provider issues tokens, not this script.
 */
export async function mintDevToken(options: DevTokenOptions): Promise<string> {
  const config = await loadServiceConfig('gateway', gatewayConfigSchema);
  const keyFile = config.auth.publicKeyFile && path.resolve(REPO_ROOT, config.auth.publicKeyFile);
  if (keyFile !== DEV_PUBLIC_KEY_FILE || config.auth.publicKey !== '' || config.auth.jwksUrl !== '')
    throw new Error(
      `the gateway does not trust the development key (${path.relative(REPO_ROOT, DEV_PUBLIC_KEY_FILE)}); ` +
        'tokens come from the configured identity provider',
    );
  const unknown = options.scopes.filter((scope) => !(SCOPES as readonly string[]).includes(scope));
  if (unknown.length > 0)
    throw new Error(`unknown scopes: ${unknown.join(', ')} (known: ${SCOPES.join(', ')})`);
  const { privateKey } = await ensureDevKeyPair();
  return mintToken(privateKey, {
    ...options,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
  });
}

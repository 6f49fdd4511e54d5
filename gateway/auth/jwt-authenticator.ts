import { createPublicKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  createRemoteJWKSet,
  errors,
  importSPKI,
  jwtVerify,
  type CryptoKey,
  type JWSHeaderParameters,
  type JWTVerifyGetKey,
} from 'jose';
import type { Component } from '../../lib/lifecycle.ts';
import type { AuthSettings } from '../config.ts';
import { REPO_ROOT } from '../repo-root.ts';
import {
  AuthenticationError,
  KeySourceUnavailableError,
  scopesOf,
  type Authenticator,
  type Identity,
} from './identity.ts';

/** Verified tokens are remembered this long (and never past their expiry): ECDSA is not free. */
const CACHE_TTL_MS = 60_000; // 1 minute
const CACHE_ENTRIES = 10_000;

type Algorithm = AuthSettings['algorithms'][number];

/** The PEM of the configured public key; a relative file is read from the repository root. */
async function publicKeyPem(settings: AuthSettings): Promise<string | undefined> {
  if (settings.publicKey !== '') return settings.publicKey;
  if (settings.publicKeyFile === '') return undefined;
  const file = path.resolve(REPO_ROOT, settings.publicKeyFile);
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(
      `auth.publicKeyFile ${file} cannot be read (${(error as Error).message}); ` +
        '`npm start` or `npm run token` creates the development key pair',
    );
  }
}

/** The algorithm a PEM public key signs with: ES256 for P-256, RS256 for RSA. */
function algorithmOfKey(pem: string): Algorithm {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1')
    return 'ES256';
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  throw new Error('auth public key must be an EC P-256 (ES256) or RSA (RS256) key');
}

async function keyResolver(settings: AuthSettings): Promise<{
  getKey: JWTVerifyGetKey;
  algorithms: Algorithm[];
}> {
  const hs256 = settings.algorithms.includes('HS256')
    ? new TextEncoder().encode(settings.hs256Secret)
    : undefined;
  let asymmetric: ((header: JWSHeaderParameters) => Promise<CryptoKey>) | undefined;
  let algorithms = settings.algorithms;
  if (settings.jwksUrl !== '') {
    const jwks = createRemoteJWKSet(new URL(settings.jwksUrl), {
      timeoutDuration: 5_000, // 5 seconds
      cooldownDuration: 30_000, // refetch for an unknown kid at most every 30 seconds
    });
    asymmetric = (header) => jwks(header);
  } else {
    const pem = await publicKeyPem(settings);
    if (pem !== undefined) {
      const alg = algorithmOfKey(pem);
      if (!settings.algorithms.includes(alg))
        throw new Error(`auth public key is for ${alg}, which is not in auth.algorithms`);
      const key = await importSPKI(pem, alg);
      asymmetric = () => Promise.resolve(key);
      algorithms = settings.algorithms.filter((a) => a === alg || a === 'HS256');
    }
  }
  return {
    algorithms,
    getKey: async (header) => {
      if (header.alg === 'HS256' && hs256 !== undefined) return hs256;
      if (header.alg !== 'HS256' && asymmetric !== undefined) return asymmetric(header);
      throw new errors.JOSEAlgNotAllowed('"alg" (Algorithm) Header Parameter value not allowed');
    },
  };
}

/** A readable reason for a rejected token; rethrows what is not the token's fault. */
function rejection(error: unknown): Error {
  if (!(error instanceof errors.JOSEError))
    return new KeySourceUnavailableError(`token keys unavailable: ${(error as Error).message}`);
  switch (error.code) {
    case 'ERR_JWT_EXPIRED':
      return new AuthenticationError('the token has expired');
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return new AuthenticationError('the token signature is not valid');
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return new AuthenticationError('the token signature algorithm is not accepted');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return new AuthenticationError(`the token claims are not valid: ${error.message}`);
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
      return new KeySourceUnavailableError(`token keys unavailable: ${error.message}`);
    default:
      return new AuthenticationError('the token is malformed');
  }
}

/**
 * Verifies bearer JWTs: signature (ES256/RS256 from a JWKS URL or a public key; HS256 only when
 * configured), `exp` and `sub` required, `iss`/`aud` when configured. Scopes come from the
 * `scope` claim (space-separated) or `scp` (a list).
 */
export async function createJwtAuthenticator(settings: AuthSettings): Promise<Authenticator> {
  const { getKey, algorithms } = await keyResolver(settings);
  const cache = new Map<string, { identity: Identity; until: number }>();
  return {
    async authenticate(token) {
      if (token === undefined) return undefined;
      const now = Date.now();
      const cached = cache.get(token);
      if (cached !== undefined && cached.until > now) return cached.identity;
      let payload;
      try {
        ({ payload } = await jwtVerify(token, getKey, {
          algorithms,
          requiredClaims: ['exp', 'sub'],
          clockTolerance: settings.clockToleranceSeconds,
          ...(settings.issuer === '' ? {} : { issuer: settings.issuer }),
          ...(settings.audience === '' ? {} : { audience: settings.audience }),
        }));
      } catch (error) {
        throw rejection(error);
      }
      const identity: Identity = {
        subject: String(payload.sub),
        scopes: scopesOf(payload as { scope?: unknown; scp?: unknown }),
        ...(payload.exp === undefined ? {} : { expiresAtMs: payload.exp * 1_000 }),
      };
      if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
      cache.set(token, {
        identity,
        until: Math.min(now + CACHE_TTL_MS, (payload.exp ?? 0) * 1_000),
      });
      return identity;
    },
  };
}

/** The authenticator as a service component: keys are loaded (or the JWKS set up) at start. */
export function createAuthComponent(settings: AuthSettings): Component & Authenticator {
  let authenticator: Authenticator | undefined;
  return {
    name: 'auth',
    start: async () => {
      authenticator = await createJwtAuthenticator(settings);
    },
    stop: () => Promise.resolve(),
    ready: () => Promise.resolve(authenticator !== undefined),
    authenticate: (token) => {
      if (authenticator === undefined) throw new Error('the authenticator has not started');
      return authenticator.authenticate(token);
    },
  };
}

import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SignJWT, exportPKCS8, exportSPKI, generateKeyPair, importPKCS8 } from 'jose';
import { REPO_ROOT } from '../repo-root.ts';

/** Where `npm start` keeps the development signing key pair (git-ignored). */
export const DEV_KEY_DIR = path.join(REPO_ROOT, '.data', 'auth');
export const DEV_PUBLIC_KEY_FILE = path.join(DEV_KEY_DIR, 'dev-es256-public.pem');
export const DEV_PRIVATE_KEY_FILE = path.join(DEV_KEY_DIR, 'dev-es256-private.pem');

export interface KeyPairPem {
  publicKey: string;
  privateKey: string;
}

/** A fresh ES256 key pair as PEM (SPKI public, PKCS#8 private). */
export async function generateEs256KeyPair(): Promise<KeyPairPem> {
  const pair = await generateKeyPair('ES256', { extractable: true });
  return {
    publicKey: await exportSPKI(pair.publicKey),
    privateKey: await exportPKCS8(pair.privateKey),
  };
}

/** The development key pair, created on first use; returns whether it was just created. */
export async function ensureDevKeyPair(): Promise<KeyPairPem & { created: boolean }> {
  try {
    return {
      publicKey: await readFile(DEV_PUBLIC_KEY_FILE, 'utf8'),
      privateKey: await readFile(DEV_PRIVATE_KEY_FILE, 'utf8'),
      created: false,
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const pair = await generateEs256KeyPair();
  await mkdir(DEV_KEY_DIR, { recursive: true, mode: 0o700 });
  await writeFile(DEV_PRIVATE_KEY_FILE, pair.privateKey, { mode: 0o600 });
  await chmod(DEV_PRIVATE_KEY_FILE, 0o600);
  await writeFile(DEV_PUBLIC_KEY_FILE, pair.publicKey);
  return { ...pair, created: true };
}

export interface TokenClaims {
  subject: string;
  scopes: readonly string[];
  /** Lifetime in seconds. */
  expiresInSeconds: number;
  /** Omitted from the token when ''. */
  issuer: string;
  audience: string;
}

/** Signs an ES256 JWT with `sub`, `scope` (space-separated), `iat`, `exp`, `iss` and `aud`. */
export async function mintToken(privateKeyPem: string, claims: TokenClaims): Promise<string> {
  const key = await importPKCS8(privateKeyPem, 'ES256');
  let jwt = new SignJWT({ scope: claims.scopes.join(' ') })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
    .setSubject(claims.subject)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1_000) + claims.expiresInSeconds);
  if (claims.issuer !== '') jwt = jwt.setIssuer(claims.issuer);
  if (claims.audience !== '') jwt = jwt.setAudience(claims.audience);
  return jwt.sign(key);
}

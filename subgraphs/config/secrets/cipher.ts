import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CIPHER_PREFIX, isCipherText } from '../../../config/client/secrets.ts';
import type { Logger } from '../../../lib/logger.ts';

/** Encrypts and decrypts `{cipher}` values with AES-256-GCM. */
export interface Cipher {
  /** `{cipher}<base64 of iv | tag | ciphertext>` */
  encrypt(plaintext: string): string;
  /** The plaintext of a `{cipher}` value; throws DecryptionError for a wrong key or tampering. */
  decrypt(value: string): string;
}

export class DecryptionError extends Error {
  override readonly name = 'DecryptionError';
}

const IV_BYTES = 12; // GCM's standard nonce size
const TAG_BYTES = 16;
// Binds every ciphertext to PulseHub config values so it cannot be replayed elsewhere.
const AAD = Buffer.from('pulsehub-config');

function aesKey(keyMaterial: string): Buffer {
  if (keyMaterial.length === 0) throw new Error('empty encryption key');
  return scryptSync(keyMaterial, 'pulsehub-config-encrypt', 32);
}

function decryptWith(key: Buffer, raw: Buffer): string | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(AAD);
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([
      decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    return undefined;
  }
}

/**
 * A cipher from key material of any length (a passphrase or random bytes): stretched once
 * with scrypt into the 256-bit AES key. It encrypts with `keyMaterial` only; `previous` keys
 * still decrypt, so the key rotates without downtime: values encrypted under the old key keep
 * working until they are re-encrypted (`encrypt.previousKeys`).
 */
export function createCipher(keyMaterial: string, previous: readonly string[] = []): Cipher {
  const key = aesKey(keyMaterial);
  const decryptionKeys = [key, ...previous.map(aesKey)];
  return {
    encrypt(plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(AAD);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return `${CIPHER_PREFIX}${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
    },
    decrypt(value) {
      if (!isCipherText(value)) throw new DecryptionError('not a {cipher} value');
      const raw = Buffer.from(value.slice(CIPHER_PREFIX.length), 'base64');
      if (raw.length < IV_BYTES + TAG_BYTES) throw new DecryptionError('ciphertext too short');
      for (const candidate of decryptionKeys) {
        const plaintext = decryptWith(candidate, raw);
        if (plaintext !== undefined) return plaintext;
      }
      throw new DecryptionError('cannot decrypt: wrong key or damaged value');
    },
  };
}

/**
 * The key material: `encrypt.key`, else a development key kept in `keyFile`, generated on
 * first use. Production never gets here without a key: its configuration is refused at load
 * (subgraphs/config/production-rules.ts `encryptionKeyRule`), so this stays development-only.
 */
export async function loadKeyMaterial(
  settings: { key: string; keyFile: string },
  logger: Logger,
): Promise<string> {
  if (settings.key !== '') return settings.key;
  try {
    return (await readFile(settings.keyFile, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const generated = randomBytes(32).toString('base64');
  await mkdir(path.dirname(settings.keyFile), { recursive: true });
  await writeFile(settings.keyFile, `${generated}\n`, { mode: 0o600, flag: 'wx' }).catch(
    async (error: NodeJS.ErrnoException) => {
      // Another instance generated it first: use theirs.
      if (error.code !== 'EEXIST') throw error;
    },
  );
  await chmod(settings.keyFile, 0o600);
  logger.warn(
    { keyFile: settings.keyFile },
    'no encryption key configured: generated a development key (production refuses to start without ENCRYPT_KEY)',
  );
  return (await readFile(settings.keyFile, 'utf8')).trim();
}

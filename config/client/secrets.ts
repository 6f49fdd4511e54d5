import { leaves } from './merge.ts';
import type { ConfigTree } from './sources.ts';

/**
 * Marks an encrypted value, as in Spring Cloud Config: `{cipher}` followed by the base64
 * ciphertext. Only the config service holds the key; it decrypts for the services that load
 * their configuration and masks the values everywhere else.
 */
export const CIPHER_PREFIX = '{cipher}';

export function isCipherText(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(CIPHER_PREFIX);
}

/** Dotted paths of every still-encrypted value (list items as `path[index]`). */
export function encryptedSettings(tree: ConfigTree): string[] {
  const found: string[] = [];
  for (const [path, value] of leaves(tree)) {
    const name = path.join('.');
    if (isCipherText(value)) found.push(name);
    else if (Array.isArray(value))
      value.forEach((item, index) => {
        if (isCipherText(item)) found.push(`${name}[${index}]`);
      });
  }
  return found;
}

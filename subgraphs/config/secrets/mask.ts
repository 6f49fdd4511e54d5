import { isCipherText } from '../../../config/client/secrets.ts';
import type { ConfigTree } from '../../../config/client/sources.ts';
import type { Cipher } from './cipher.ts';

/** What a masked value reads as. */
export const MASK = '******';

/** Setting names whose values are credentials even when stored unencrypted. */
const SENSITIVE_NAME =
  /(password|passwd|secret|token|credential|apikey|privatekey|writekeys?|^key)$/i;

function isTree(value: unknown): value is ConfigTree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `scheme://user:password@host` -> `scheme://user:******@host`. */
function maskUrlPassword(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@/\s]+@/i, `$1${MASK}@`);
}

function maskValue(value: unknown, sensitive: boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => maskValue(item, sensitive));
  if (isTree(value)) return maskSecrets(value);
  if (isCipherText(value)) return MASK;
  if (sensitive && value !== '' && value !== null) return MASK;
  return typeof value === 'string' ? maskUrlPassword(value) : value;
}

/**
 * A copy fit for showing to people (GraphQL answers, diffs): `{cipher}` values, credentials
 * by setting name, and passwords inside URLs are masked.
 */
export function maskSecrets(tree: ConfigTree): ConfigTree {
  return Object.fromEntries(
    Object.entries(tree).map(([key, value]) => [key, maskValue(value, SENSITIVE_NAME.test(key))]),
  );
}

/**
 * A copy with every `{cipher}` value decrypted, for the services themselves. Values that cannot
 * be decrypted are listed by path (never by value) instead.
 */
export function decryptSecrets(
  tree: ConfigTree,
  cipher: Cipher,
): { tree: ConfigTree; failures: string[] } {
  const failures: string[] = [];
  const walk = (value: unknown, at: string): unknown => {
    if (Array.isArray(value)) return value.map((item, i) => walk(item, `${at}[${i}]`));
    if (isTree(value))
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, walk(v, at === '' ? k : `${at}.${k}`)]),
      );
    if (!isCipherText(value)) return value;
    try {
      return cipher.decrypt(value);
    } catch {
      failures.push(at);
      return value;
    }
  };
  return { tree: walk(tree, '') as ConfigTree, failures };
}

import { createHash, timingSafeEqual } from 'node:crypto';
import type { ConfigServiceConfig } from '../config.ts';

/** The credentials the configuration endpoint accepts (config/config.yml `auth`). */
export type EndpointCredentials = ConfigServiceConfig['auth'];

/** The challenge of every 401, so Spring Cloud Config clients and curl know to send Basic. */
export const WWW_AUTHENTICATE = 'Basic realm="PulseHub config"';

/**
 * Equal in time independent of where the texts differ and of their lengths: both sides are
 * hashed to 32 bytes first, since timingSafeEqual needs equal lengths.
 */
function sameSecret(presented: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/** `user:password` of a `Basic` header; the password may contain colons, the user may not. */
function basicPair(encoded: string): { username: string; password: string } | undefined {
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Whether an `Authorization` header carries the endpoint's credentials: HTTP Basic with
 * `auth.username`/`auth.password` (what Spring Cloud Config clients send for
 * `spring.cloud.config.username/password`), or `Bearer` with `auth.token` when one is set.
 * Schemes are case-insensitive (RFC 9110); every comparison runs in constant time.
 */
export function authenticated(
  header: string | undefined,
  credentials: EndpointCredentials,
): boolean {
  const match = /^(\S+)\s+(\S+)\s*$/.exec(header ?? '');
  if (match === null) return false;
  const [, scheme = '', value = ''] = match;
  switch (scheme.toLowerCase()) {
    case 'basic': {
      const pair = basicPair(value);
      if (pair === undefined) return false;
      // Both compared, so a right user name with a wrong password takes as long as neither.
      const user = sameSecret(pair.username, credentials.username);
      const password = sameSecret(pair.password, credentials.password);
      return user && password;
    }
    case 'bearer':
      return credentials.token !== '' && sameSecret(value, credentials.token);
    default:
      return false;
  }
}

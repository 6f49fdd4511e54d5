import {
  AuthenticationError,
  type Authenticator,
  type Identity,
} from '../../gateway/auth/identity.ts';

/**
 * Tokens for tests, on the gateway's Authenticator interface: `test.<subject>.<scope,scope>`.
 * `unavailable` fails as when the verification keys cannot be fetched; anything else is
 * refused as a forged token; no token means anonymous.
 */
export const testAuthenticator: Authenticator = {
  authenticate(token): Promise<Identity | undefined> {
    if (token === undefined) return Promise.resolve(undefined);
    if (token === 'unavailable')
      return Promise.reject(new Error('the verification keys cannot be fetched'));
    const [kind, subject, scopes = ''] = token.split('.');
    if (kind !== 'test' || !subject)
      return Promise.reject(new AuthenticationError('invalid token signature'));
    return Promise.resolve({ subject, scopes: new Set(scopes.split(',').filter(Boolean)) });
  },
};

export function testToken(subject: string, scopes: readonly string[]): string {
  return `test.${subject}.${scopes.join(',')}`;
}

import {
  AuthenticationError,
  type Authenticator,
  type Identity,
} from '../../gateway/auth/identity.ts';

/**
 * Tokens for tests, on the gateway's Authenticator interface: `test.<subject>.<scope,scope>`.
 * Anything else is refused as a forged token; no token means anonymous.
 */
export const testAuthenticator: Authenticator = {
  authenticate(token): Promise<Identity | undefined> {
    if (token === undefined) return Promise.resolve(undefined);
    const [kind, subject, scopes = ''] = token.split('.');
    if (kind !== 'test' || !subject)
      return Promise.reject(new AuthenticationError('invalid token signature'));
    return Promise.resolve({ subject, scopes: new Set(scopes.split(',').filter(Boolean)) });
  },
};

export function testToken(subject: string, scopes: readonly string[]): string {
  return `test.${subject}.${scopes.join(',')}`;
}

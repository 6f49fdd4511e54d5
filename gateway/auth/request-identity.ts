import type http from 'node:http';
import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../../schema/errors.ts';
import type { GatewayContext } from '../context.ts';
import {
  AuthenticationError,
  KeySourceUnavailableError,
  bearerToken,
  type Authenticator,
} from './identity.ts';

/**
 * The GraphQL context of an HTTP request: its bearer token verified. A missing token means an
 * anonymous caller (who may use only fields without requirements); a token that is present but
 * not valid fails the whole request with 401, whatever it asks for.
 */
export async function requestContext(
  authenticator: Authenticator,
  req: http.IncomingMessage,
): Promise<GatewayContext> {
  try {
    return { identity: await authenticator.authenticate(bearerToken(req.headers.authorization)) };
  } catch (error) {
    if (error instanceof AuthenticationError)
      throw new GraphQLError(error.message, {
        extensions: {
          code: ErrorCode.Unauthenticated,
          http: {
            status: 401,
            headers: new HeaderMap([
              ['www-authenticate', 'Bearer realm="pulsehub", error="invalid_token"'],
            ]),
          },
        },
      });
    if (error instanceof KeySourceUnavailableError)
      throw new GraphQLError('token verification is unavailable, retry later', {
        originalError: error,
        extensions: { code: ErrorCode.ServiceUnavailable, http: { status: 503 } },
      });
    throw error;
  }
}

import { GraphQLError } from 'graphql';
import { isPostgresUnavailable } from '../../lib/postgres-errors.ts';
import { ErrorCode } from '../../schema/errors.ts';

/**
 * Runs a read of the archive; when PostgreSQL is unreachable, hanging (the pool's timeouts
 * fire, see lib/postgres.ts) or refusing work, the caller gets SERVICE_UNAVAILABLE, which
 * says "retry later", instead of an internal error. Other failures pass unchanged.
 */
export async function unlessUnavailable<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (!isPostgresUnavailable(error)) throw error;
    throw new GraphQLError('the activity archive is unavailable, retry later', {
      originalError: error instanceof Error ? error : undefined,
      extensions: { code: ErrorCode.ServiceUnavailable },
    });
  }
}

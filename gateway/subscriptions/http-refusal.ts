import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../../schema/errors.ts';

/**
 * Answers a subscription sent over HTTP with 400 and where to send it, instead of the
 * federated executor's internal error.
 */
export function subscriptionsOverHttpRefused<
  Context extends BaseContext,
>(): ApolloServerPlugin<Context> {
  return {
    requestDidStart: () =>
      Promise.resolve({
        didResolveOperation: ({ operation }) => {
          if (operation?.operation !== 'subscription') return Promise.resolve();
          throw new GraphQLError(
            'subscriptions are served over WebSocket (graphql-ws protocol) at this same URL',
            { extensions: { code: ErrorCode.BadRequest, http: { status: 400 } } },
          );
        },
      }),
  };
}

import { HeaderMap, type ApolloServerPlugin, type GraphQLRequestListener } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../../schema/errors.ts';
import type { SchemaAccess } from '../../lib/graphql/access-policy.ts';
import type { QueryLimits } from '../config.ts';
import type { GatewayContext } from '../context.ts';
import {
  admitOperation,
  coerceVariables,
  createShapeCache,
  refusalExtensions,
  type OperationRefusal,
} from './admission.ts';

export interface OperationGuardOptions {
  /** `@authenticated` / `@requiresScopes` of the supergraph. */
  access: SchemaAccess;
  /** The limits in force, read per request so a configuration reload applies at once. */
  limits: () => QueryLimits;
}

/**
 * A refusal as HTTP answers it: 400 for a limit; for access, 401 with a Bearer challenge or
 * 403 insufficient_scope.
 */
function httpError(refusal: OperationRefusal): GraphQLError {
  if (refusal.code === ErrorCode.QueryTooComplex)
    return new GraphQLError(refusal.message, {
      extensions: { ...refusalExtensions(refusal), http: { status: 400 } },
    });
  const anonymous = refusal.code === ErrorCode.Unauthenticated;
  return new GraphQLError(refusal.message, {
    extensions: {
      ...refusalExtensions(refusal),
      http: {
        status: anonymous ? 401 : 403,
        headers: new HeaderMap([
          [
            'www-authenticate',
            anonymous
              ? 'Bearer realm="pulsehub"'
              : 'Bearer realm="pulsehub", error="insufficient_scope"',
          ],
        ]),
      },
    },
  });
}

/**
 * The HTTP side of the gateway's one operation admission (./admission.ts), before anything is
 * planned or fetched. Shapes are cached per parsed document (Apollo reuses the document object
 * for a repeated query). Variables are coerced as execution will coerce them, so defaults count
 * in the cost; variables that do not coerce are priced as sent and refused by execution.
 */
export function operationGuardPlugin(
  options: OperationGuardOptions,
): ApolloServerPlugin<GatewayContext> {
  const shapes = createShapeCache();
  const listener: GraphQLRequestListener<GatewayContext> = {
    didResolveOperation({ document, operation, schema, contextValue, request }) {
      // Apollo would hand an unresolved operation to the gateway, which fails it as a 500.
      if (operation === undefined)
        return Promise.reject(
          new GraphQLError(
            request.operationName
              ? `the document has no operation named "${request.operationName}"`
              : 'the document holds several operations: name one with operationName',
            { extensions: { code: ErrorCode.OperationResolutionFailure, http: { status: 400 } } },
          ),
        );
      const coerced = coerceVariables(schema, operation, request.variables);
      const refusal = admitOperation(
        {
          schema,
          document,
          operation,
          variables: 'values' in coerced ? coerced.values : { ...request.variables },
          identity: contextValue.identity,
          access: options.access,
          limits: options.limits(),
        },
        shapes,
      );
      return refusal ? Promise.reject(httpError(refusal)) : Promise.resolve();
    },
  };
  return { requestDidStart: () => Promise.resolve(listener) };
}

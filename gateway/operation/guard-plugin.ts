import { HeaderMap, type ApolloServerPlugin, type GraphQLRequestListener } from '@apollo/server';
import { GraphQLError, type DocumentNode } from 'graphql';
import { ErrorCode } from '../../schema/errors.ts';
import {
  accessDenial,
  type AccessDenial,
  type SchemaAccess,
} from '../../lib/graphql/access-policy.ts';
import { operationShape, type OperationShape } from '../../lib/graphql/operation-shape.ts';
import type { QueryLimits } from '../config.ts';
import type { GatewayContext } from '../context.ts';
import { estimateCost } from './cost.ts';

export interface OperationGuardOptions {
  /** `@authenticated` / `@requiresScopes` of the supergraph. */
  access: SchemaAccess;
  /** The limits in force, read per request so a configuration reload applies at once. */
  limits: () => QueryLimits;
}

/** An access denial as HTTP answers it: 401 with a Bearer challenge, or 403 insufficient_scope. */
function accessError(denial: AccessDenial): GraphQLError {
  const anonymous = denial.code === ErrorCode.Unauthenticated;
  return new GraphQLError(denial.message, {
    extensions: {
      code: denial.code,
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

function tooComplex(limit: string, actual: number, maximum: number, what: string): GraphQLError {
  return new GraphQLError(
    `the operation has ${what}; the limit is ${maximum} (limits.max${limit[0]?.toUpperCase()}${limit.slice(1)})`,
    {
      extensions: {
        code: ErrorCode.QueryTooComplex,
        limit,
        maximum,
        actual,
        http: { status: 400 },
      },
    },
  );
}

/**
 * Enforces, before anything is planned or fetched: the schema's `@authenticated` / `@requiresScopes` (401 without a token, 403 without the scopes;
 * @apollo/gateway does not enforce them itself), then depth, alias and cost limits. Shapes are
 * cached per parsed document (Apollo reuses the document object for a repeated query); only
 * the cost, which depends on variables, is computed per request.
 */
export function operationGuardPlugin(
  options: OperationGuardOptions,
): ApolloServerPlugin<GatewayContext> {
  const shapes = new WeakMap<DocumentNode, Map<string | null, OperationShape>>();
  const listener: GraphQLRequestListener<GatewayContext> = {
    didResolveOperation({ document, operation, operationName, schema, contextValue, request }) {
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
      let perOperation = shapes.get(document);
      if (perOperation === undefined) shapes.set(document, (perOperation = new Map()));
      let shape = perOperation.get(operationName);
      if (shape === undefined) {
        shape = operationShape(schema, document, operation, options.access);
        perOperation.set(operationName, shape);
      }
      const denial = accessDenial(shape.requirements, contextValue.identity?.scopes);
      if (denial) return Promise.reject(accessError(denial));
      const limits = options.limits();
      if (shape.depth > limits.maxDepth)
        return Promise.reject(
          tooComplex('depth', shape.depth, limits.maxDepth, `a depth of ${shape.depth}`),
        );
      if (shape.aliases > limits.maxAliases)
        return Promise.reject(
          tooComplex('aliases', shape.aliases, limits.maxAliases, `${shape.aliases} aliases`),
        );
      const cost = estimateCost(
        schema,
        document,
        operation,
        request.variables ?? {},
        limits.defaultListSize,
      );
      if (cost > limits.maxCost)
        return Promise.reject(
          tooComplex('cost', cost, limits.maxCost, `an estimated cost of ${cost}`),
        );
      return Promise.resolve();
    },
  };
  return { requestDidStart: () => Promise.resolve(listener) };
}

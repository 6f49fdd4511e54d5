import { HeaderMap, type ApolloServerPlugin, type GraphQLRequestListener } from '@apollo/server';
import { GraphQLError, type DocumentNode } from 'graphql';
import { ErrorCode } from '../../schema/errors.ts';
import {
  satisfies,
  type AccessRequirement,
  type SchemaAccess,
} from '../auth/access-requirements.ts';
import type { QueryLimits } from '../config.ts';
import type { GatewayContext } from '../context.ts';
import { estimateCost } from './cost.ts';
import { operationShape, type OperationShape } from './shape.ts';

export interface OperationGuardOptions {
  /** `@authenticated` / `@requiresScopes` of the supergraph. */
  access: SchemaAccess;
  /** The limits in force, read per request so a configuration reload applies at once. */
  limits: () => QueryLimits;
}

function describe(requirement: AccessRequirement): string {
  if (requirement.scopes.length === 0) return 'a token';
  return requirement.scopes
    .map((set) => (set.length === 1 ? set[0] : `(${set.join(' and ')})`))
    .join(' or ');
}

function unmet(
  shape: OperationShape,
  scopes: ReadonlySet<string> | undefined,
): Array<[string, AccessRequirement]> {
  const missing: Array<[string, AccessRequirement]> = [];
  for (const [coordinate, requirements] of shape.requirements)
    for (const requirement of requirements)
      if (!satisfies(requirement, scopes)) missing.push([coordinate, requirement]);
  return missing;
}

function accessError(
  anonymous: boolean,
  missing: Array<[string, AccessRequirement]>,
): GraphQLError {
  const details = missing.map(
    ([coordinate, requirement]) => `${coordinate} needs ${describe(requirement)}`,
  );
  return anonymous
    ? new GraphQLError(
        `authentication required: send "Authorization: Bearer <token>" (${details.join('; ')})`,
        {
          extensions: {
            code: ErrorCode.Unauthenticated,
            http: {
              status: 401,
              headers: new HeaderMap([['www-authenticate', 'Bearer realm="pulsehub"']]),
            },
          },
        },
      )
    : new GraphQLError(`the token lacks the scopes for this operation: ${details.join('; ')}`, {
        extensions: {
          code: ErrorCode.Forbidden,
          http: {
            status: 403,
            headers: new HeaderMap([
              ['www-authenticate', 'Bearer realm="pulsehub", error="insufficient_scope"'],
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
      const identity = contextValue.identity;
      const missing = unmet(shape, identity?.scopes);
      if (missing.length > 0) return Promise.reject(accessError(identity === undefined, missing));
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

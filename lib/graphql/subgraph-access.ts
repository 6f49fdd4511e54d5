import type { ApolloServerPlugin, BaseContext, GraphQLRequestListener } from '@apollo/server';
import {
  GraphQLError,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { ErrorCode } from '../../schema/errors.ts';
import {
  accessDenial,
  schemaAccessFromSdl,
  type AccessDenial,
  type AccessRequirement,
} from './access-policy.ts';
import type { Caller } from './identity-headers.ts';
import { operationShape } from './operation-shape.ts';

/**
 * A subgraph's own check of its SDL's `@authenticated` / `@requiresScopes` against the caller
 * the gateway forwarded: defence in depth behind the gateway's guard, with the same policy
 * (access-policy.ts) over the same operation shape, for HTTP and graphql-ws alike.
 */
export interface SubgraphAccess {
  denial(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    caller: Caller | undefined,
  ): AccessDenial | undefined;
}

type Requirements = ReadonlyMap<string, readonly AccessRequirement[]>;

export function createSubgraphAccess(typeDefs: DocumentNode): SubgraphAccess {
  const access = schemaAccessFromSdl(typeDefs);
  // Apollo reuses the parsed document of a repeated operation (and the WebSocket endpoint
  // caches its own), so the walk runs once per document and operation, not per request.
  const shapes = new WeakMap<DocumentNode, Map<OperationDefinitionNode, Requirements>>();
  return {
    denial(schema, document, operation, caller) {
      let perOperation = shapes.get(document);
      if (perOperation === undefined) shapes.set(document, (perOperation = new Map()));
      let requirements = perOperation.get(operation);
      if (requirements === undefined) {
        requirements = operationShape(schema, document, operation, access).requirements;
        perOperation.set(operation, requirements);
      }
      return accessDenial(requirements, caller?.scopes);
    },
  };
}

/** A denial as a GraphQL error; over HTTP 401 (no identity) or 403 (scopes missing). */
export function accessDenialError(denial: AccessDenial): GraphQLError {
  return new GraphQLError(denial.message, {
    extensions: {
      code: denial.code,
      http: { status: denial.code === ErrorCode.Unauthenticated ? 401 : 403 },
    },
  });
}

/**
 * The caller a request's context was built for, as the gateway signed it: a property under a
 * symbol no resolver reads, so no subgraph's context type has to declare it. A property, not
 * a side table keyed by the context, because Apollo runs each request on a shallow copy of
 * the context it was given, which copies it along.
 */
const ADMITTED_CALLER = Symbol('pulsehub.admittedCaller');

interface WithAdmittedCaller {
  [ADMITTED_CALLER]?: { caller: Caller | undefined };
}

/** A copy of `context` that carries the caller it was built for. */
export function bindCaller<Context extends BaseContext>(
  context: Context,
  caller: Caller | undefined,
): Context {
  const bound: WithAdmittedCaller = { [ADMITTED_CALLER]: { caller } };
  return Object.assign(
    Object.create(Object.getPrototypeOf(context) as object) as Context,
    context,
    bound,
  );
}

function admittedCaller(context: BaseContext): Caller | undefined {
  return (context as WithAdmittedCaller)[ADMITTED_CALLER]?.caller;
}

/**
 * Refuses, before anything is executed, an operation whose caller lacks what the subgraph's
 * SDL requires of the fields and types it selects. A context without a bound caller (not
 * built by the subgraph service) counts as anonymous, so it can only lose access.
 */
export function subgraphAccessPlugin<Context extends BaseContext>(
  access: SubgraphAccess,
): ApolloServerPlugin<Context> {
  const listener: GraphQLRequestListener<Context> = {
    didResolveOperation({ schema, document, operation, contextValue }) {
      if (operation === undefined) return Promise.resolve();
      const denial = access.denial(schema, document, operation, admittedCaller(contextValue));
      return denial === undefined ? Promise.resolve() : Promise.reject(accessDenialError(denial));
    },
  };
  return { requestDidStart: () => Promise.resolve(listener) };
}

import {
  operationFromDocument,
  ROUTER_SUPPORTED_SUPERGRAPH_FEATURES,
  Supergraph,
  type Schema,
} from '@apollo/federation-internals';
import { buildOperationContext } from '@apollo/gateway';
import { QueryPlanner, type FetchNode, type PlanNode } from '@apollo/query-planner';
import {
  getOperationAST,
  GraphQLError,
  Kind,
  parse,
  print,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type SelectionNode,
} from 'graphql';
import { ErrorCode } from '../../schema/errors.ts';

/** A client subscription, planned: what to stream from which subgraph, and what to add per event. */
export interface SubscriptionPlan {
  document: DocumentNode;
  operationName: string | undefined;
  /** The operation printed canonically: identical operations share it whatever their layout. */
  canonical: string;
  /** The subscription's root field (a subscription selects exactly one). */
  rootField: string | undefined;
  /** The fetch streamed from the subgraph that owns the root field. */
  primary: FetchNode;
  /** Entity fetches run for every event to add fields owned by other subgraphs. */
  rest: PlanNode | undefined;
  operationContext: ReturnType<typeof buildOperationContext>;
}

export interface SubscriptionPlanner {
  /** The schema clients see (validation, introspection). */
  readonly apiSchema: GraphQLSchema;
  /** The federation API schema, for result shaping. */
  readonly apiFederationSchema: Schema;
  /** The supergraph as a graphql-js schema, for entity fetches. */
  readonly supergraphSchema: GraphQLSchema;
  readonly supergraph: Supergraph;
  /** Plans a subscription; GraphQL errors (with `extensions.code`) when it cannot be served. */
  plan(query: string, operationName: string | undefined): SubscriptionPlan | GraphQLError[];
}

function rootFieldOf(selection: SelectionNode | undefined): string | undefined {
  return selection?.kind === Kind.FIELD ? selection.name.value : undefined;
}

function failure(message: string, code: ErrorCode): GraphQLError[] {
  return [new GraphQLError(message, { extensions: { code } })];
}

/**
 * Plans subscriptions with Apollo's query planner over the checked-in supergraph. Plans are
 * cached by operation text, so a thousand clients sending the same subscription plan it once.
 */
export function createSubscriptionPlanner(
  supergraphSdl: string,
  cacheSize = 1_000,
): SubscriptionPlanner {
  // PulseHub enforces @requiresScopes itself, so the supergraph may link the security features.
  const supergraph = Supergraph.build(supergraphSdl, {
    supportedFeatures: ROUTER_SUPPORTED_SUPERGRAPH_FEATURES,
  });
  const apiFederationSchema = supergraph.apiSchema();
  const apiSchema = apiFederationSchema.toGraphQLJSSchema();
  const supergraphSchema = supergraph.schema.toGraphQLJSSchema();
  const planner = new QueryPlanner(supergraph);
  const cache = new Map<string, SubscriptionPlan | GraphQLError[]>();

  function build(query: string, operationName: string | undefined) {
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (error) {
      return failure((error as GraphQLError).message, ErrorCode.GraphQLParseFailed);
    }
    const invalid = validate(apiSchema, document);
    if (invalid.length > 0)
      return invalid.map(
        (error) =>
          new GraphQLError(error.message, {
            nodes: error.nodes ?? null,
            extensions: { code: ErrorCode.GraphQLValidationFailed },
          }),
      );
    const operation = getOperationAST(document, operationName);
    if (!operation)
      return failure(
        operationName
          ? `Unknown operation named "${operationName}".`
          : 'Must provide an operation.',
        ErrorCode.BadRequest,
      );
    if (operation.operation !== 'subscription')
      return failure(
        `only subscriptions are served over WebSocket; send ${operation.operation} operations with HTTP POST /graphql`,
        ErrorCode.BadRequest,
      );
    const queryPlan = planner.buildQueryPlan(
      operationFromDocument(
        apiFederationSchema,
        document,
        operationName === undefined ? {} : { operationName },
      ),
    );
    const node = queryPlan.node;
    if (node?.kind !== 'Subscription')
      return failure('the subscription has no subgraph to stream from', ErrorCode.BadRequest);
    return {
      document,
      operationName,
      canonical: `${operationName ?? ''}\n${print(document)}`,
      rootField: rootFieldOf(operation.selectionSet.selections[0]),
      primary: node.primary,
      rest: node.rest,
      operationContext: buildOperationContext({
        schema: apiSchema,
        operationDocument: document,
        ...(operationName === undefined ? {} : { operationName }),
      }),
    } satisfies SubscriptionPlan;
  }

  return {
    apiSchema,
    apiFederationSchema,
    supergraphSchema,
    supergraph,
    plan(query, operationName) {
      const key = `${operationName ?? ''}\n${query}`;
      const cached = cache.get(key);
      if (cached) return cached;
      let planned: SubscriptionPlan | GraphQLError[];
      try {
        planned = build(query, operationName);
      } catch (error) {
        planned = failure(
          `the subscription cannot be planned: ${(error as Error).message}`,
          ErrorCode.BadRequest,
        );
      }
      if (cache.size >= cacheSize) cache.delete(cache.keys().next().value as string);
      cache.set(key, planned);
      return planned;
    },
  };
}

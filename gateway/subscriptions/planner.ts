import {
  operationFromDocument,
  ROUTER_SUPPORTED_SUPERGRAPH_FEATURES,
  Supergraph,
  type Schema,
} from '@apollo/federation-internals';
import { buildOperationContext } from '@apollo/gateway';
import { QueryPlanner, type FetchNode, type PlanNode } from '@apollo/query-planner';
import {
  GraphQLError,
  Kind,
  print,
  type DocumentNode,
  type GraphQLSchema,
  type SelectionNode,
} from 'graphql';
import { ErrorCode } from '../../schema/errors.ts';
import { createDocumentReader, subscriptionOperation, type DocumentReader } from './documents.ts';

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
  /** Parses and validates against `apiSchema`, cached by text; shares documents with `plan`. */
  readonly readDocument: DocumentReader;
  /**
   * Plans a subscription; GraphQL errors (with `extensions.code`) when it cannot be served.
   * A document must be one `readDocument` returned (parsed and validated against
   * `apiSchema`); a text is read with `readDocument` first.
   */
  plan(
    query: string | DocumentNode,
    operationName: string | undefined,
  ): SubscriptionPlan | GraphQLError[];
}

export interface SubscriptionPlannerOptions {
  /** How many subscribe documents (and so plans) are cached. Default 1000. */
  cacheSize?: number;
  /** Counts plans built (cache misses), e.g. pulsehub_subscription_plans_total. */
  plansBuilt?: { inc(): void };
}

function rootFieldOf(selection: SelectionNode | undefined): string | undefined {
  return selection?.kind === Kind.FIELD ? selection.name.value : undefined;
}

function failure(message: string, code: ErrorCode): GraphQLError[] {
  return [new GraphQLError(message, { extensions: { code } })];
}

/**
 * Plans subscriptions with Apollo's query planner over the checked-in supergraph. Plans are
 * cached per document object, and documents by text (`readDocument`), so a thousand clients
 * sending the same subscription plan it once; a document evicted from the text cache takes
 * its plans with it.
 */
export function createSubscriptionPlanner(
  supergraphSdl: string,
  options: SubscriptionPlannerOptions = {},
): SubscriptionPlanner {
  // PulseHub enforces @requiresScopes itself, so the supergraph may link the security features.
  const supergraph = Supergraph.build(supergraphSdl, {
    supportedFeatures: ROUTER_SUPPORTED_SUPERGRAPH_FEATURES,
  });
  const apiFederationSchema = supergraph.apiSchema();
  const apiSchema = apiFederationSchema.toGraphQLJSSchema();
  const supergraphSchema = supergraph.schema.toGraphQLJSSchema();
  const planner = new QueryPlanner(supergraph);
  const readDocument = createDocumentReader(apiSchema, options.cacheSize);
  const plans = new WeakMap<DocumentNode, Map<string, SubscriptionPlan | GraphQLError[]>>();

  function build(
    document: DocumentNode,
    operationName: string | undefined,
  ): SubscriptionPlan | GraphQLError[] {
    const operation = subscriptionOperation(document, operationName);
    if (Array.isArray(operation)) return operation;
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
    readDocument,
    plan(query, operationName) {
      const document = typeof query === 'string' ? readDocument(query) : query;
      if (Array.isArray(document)) return document;
      let perOperation = plans.get(document);
      if (perOperation === undefined) plans.set(document, (perOperation = new Map()));
      const cached = perOperation.get(operationName ?? '');
      if (cached) return cached;
      options.plansBuilt?.inc();
      let planned: SubscriptionPlan | GraphQLError[];
      try {
        planned = build(document, operationName);
      } catch (error) {
        planned = failure(
          `the subscription cannot be planned: ${(error as Error).message}`,
          ErrorCode.BadRequest,
        );
      }
      perOperation.set(operationName ?? '', planned);
      return planned;
    },
  };
}

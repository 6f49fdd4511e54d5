import {
  getVariableValues,
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import {
  accessDenial,
  type AccessDenial,
  type SchemaAccess,
} from '../../lib/graphql/access-policy.ts';
import { operationShape, type OperationShape } from '../../lib/graphql/operation-shape.ts';
import { ErrorCode } from '../../schema/errors.ts';
import type { Identity } from '../auth/identity.ts';
import type { QueryLimits } from '../config.ts';
import { estimateCost } from './cost.ts';

/** An operation over a limit of `limits`: the facts every transport reports in its extensions. */
export interface LimitExceeded {
  code: ErrorCode.QueryTooComplex;
  message: string;
  limit: 'depth' | 'aliases' | 'cost';
  maximum: number;
  actual: number;
}

/** Why an operation is not run: an access denial, or a limit it exceeds. */
export type OperationRefusal = AccessDenial | LimitExceeded;

/** A parsed, validated operation and who asks for it, with the rules and limits in force. */
export interface AdmissionRequest {
  /** The API schema the document was validated against. */
  schema: GraphQLSchema;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  /** Variable values, coerced by the operation's definitions (`coerceVariables`). */
  variables: Record<string, unknown>;
  /** The caller; undefined for an anonymous one. */
  identity: Identity | undefined;
  /** `@authenticated` / `@requiresScopes` of the supergraph. */
  access: SchemaAccess;
  /** The limits in force for this request (callers read them live). */
  limits: QueryLimits;
}

/**
 * Shapes by document and operation. A transport that reuses document objects for a repeated
 * operation (Apollo's document cache, the subscription document cache) analyses it once; only
 * the cost, which depends on variables, is computed per request.
 */
export type ShapeCache = WeakMap<DocumentNode, WeakMap<OperationDefinitionNode, OperationShape>>;

export function createShapeCache(): ShapeCache {
  return new WeakMap();
}

function shapeOf(request: AdmissionRequest, shapes: ShapeCache | undefined): OperationShape {
  const { schema, document, operation, access } = request;
  let perOperation = shapes?.get(document);
  if (shapes !== undefined && perOperation === undefined)
    shapes.set(document, (perOperation = new WeakMap()));
  let shape = perOperation?.get(operation);
  if (shape === undefined) {
    shape = operationShape(schema, document, operation, access);
    perOperation?.set(operation, shape);
  }
  return shape;
}

function tooComplex(
  limit: LimitExceeded['limit'],
  actual: number,
  maximum: number,
  what: string,
): LimitExceeded {
  const setting = `limits.max${limit[0]?.toUpperCase()}${limit.slice(1)}`;
  return {
    code: ErrorCode.QueryTooComplex,
    message: `the operation has ${what}; the limit is ${maximum} (${setting})`,
    limit,
    maximum,
    actual,
  };
}

/**
 * The one admission of an operation at the gateway, for HTTP and WebSocket alike, before
 * anything is planned or fetched: the schema's `@authenticated` / `@requiresScopes` first
 * (@apollo/gateway does not enforce them itself), then the depth, alias and cost limits.
 * Undefined when the operation may run; each transport only dresses the refusal.
 */
export function admitOperation(
  request: AdmissionRequest,
  shapes?: ShapeCache,
): OperationRefusal | undefined {
  const shape = shapeOf(request, shapes);
  const denial = accessDenial(shape.requirements, request.identity?.scopes);
  if (denial) return denial;
  const { limits } = request;
  if (shape.depth > limits.maxDepth)
    return tooComplex('depth', shape.depth, limits.maxDepth, `a depth of ${shape.depth}`);
  if (shape.aliases > limits.maxAliases)
    return tooComplex('aliases', shape.aliases, limits.maxAliases, `${shape.aliases} aliases`);
  const cost = estimateCost(
    request.schema,
    request.document,
    request.operation,
    request.variables,
    limits.defaultListSize,
  );
  if (cost > limits.maxCost)
    return tooComplex('cost', cost, limits.maxCost, `an estimated cost of ${cost}`);
  return undefined;
}

/** The `extensions` of a refusal as a GraphQL error carries them: its code and limit facts. */
export function refusalExtensions(refusal: OperationRefusal): Record<string, unknown> {
  if (refusal.code !== ErrorCode.QueryTooComplex) return { code: refusal.code };
  const { code, limit, maximum, actual } = refusal;
  return { code, limit, maximum, actual };
}

/** Variables coerced by the operation's definitions (defaults applied), or why they do not. */
export function coerceVariables(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  raw: Readonly<Record<string, unknown>> | null | undefined,
): { values: Record<string, unknown> } | { errors: readonly GraphQLError[] } {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], raw ?? {});
  return coerced.errors ? { errors: coerced.errors } : { values: coerced.coerced };
}

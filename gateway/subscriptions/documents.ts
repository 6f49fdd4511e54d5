import {
  getOperationAST,
  GraphQLError,
  parse,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { ErrorCode } from '../../schema/errors.ts';

/** Reads a subscribe document: parsed and validated, or the errors to answer with. */
export type DocumentReader = (query: string) => DocumentNode | GraphQLError[];

function failure(message: string, code: ErrorCode): GraphQLError[] {
  return [new GraphQLError(message, { extensions: { code } })];
}

/**
 * Parses and validates subscribe documents against the API schema, cached by text (errors
 * too): a thousand clients sending the same subscription parse it once, and share one document
 * object, which the shape and plan caches are keyed by.
 */
export function createDocumentReader(schema: GraphQLSchema, cacheSize = 1_000): DocumentReader {
  const cache = new Map<string, DocumentNode | GraphQLError[]>();

  function read(query: string): DocumentNode | GraphQLError[] {
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (error) {
      return failure((error as GraphQLError).message, ErrorCode.GraphQLParseFailed);
    }
    const invalid = validate(schema, document);
    if (invalid.length === 0) return document;
    return invalid.map(
      (error) =>
        new GraphQLError(error.message, {
          nodes: error.nodes ?? null,
          extensions: { code: ErrorCode.GraphQLValidationFailed },
        }),
    );
  }

  return (query) => {
    const cached = cache.get(query);
    if (cached !== undefined) return cached;
    const result = read(query);
    if (cache.size >= cacheSize) cache.delete(cache.keys().next().value as string);
    cache.set(query, result);
    return result;
  };
}

/** The operation a subscribe message names, when it is a subscription; else why not. */
export function subscriptionOperation(
  document: DocumentNode,
  operationName: string | undefined,
): OperationDefinitionNode | GraphQLError[] {
  const operation = getOperationAST(document, operationName);
  if (!operation)
    return failure(
      operationName ? `Unknown operation named "${operationName}".` : 'Must provide an operation.',
      ErrorCode.BadRequest,
    );
  if (operation.operation !== 'subscription')
    return failure(
      `only subscriptions are served over WebSocket; send ${operation.operation} operations with HTTP POST /graphql`,
      ErrorCode.BadRequest,
    );
  return operation;
}

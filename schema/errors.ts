/**
 * The `extensions.code` of every unexpected GraphQL error PulseHub returns. Expected failures
 * (a profile that does not exist, an invalid config value) are result types, not errors.
 */
export enum ErrorCode {
  /** The request carries no valid credentials (missing, expired, forged token). */
  Unauthenticated = 'UNAUTHENTICATED',
  /** The credentials are valid but lack a required scope. */
  Forbidden = 'FORBIDDEN',
  /** An argument is out of range or malformed. */
  BadUserInput = 'BAD_USER_INPUT',
  /** The request is not valid GraphQL over HTTP (malformed JSON, no query). */
  BadRequest = 'BAD_REQUEST',
  /** The operation does not parse. */
  GraphQLParseFailed = 'GRAPHQL_PARSE_FAILED',
  /** The operation does not validate against the schema. */
  GraphQLValidationFailed = 'GRAPHQL_VALIDATION_FAILED',
  /** `operationName` names no operation of the document, or it holds several and none is named. */
  OperationResolutionFailure = 'OPERATION_RESOLUTION_FAILURE',
  /** An automatic persisted query (hash only): the gateway takes full query documents only. */
  PersistedQueryNotSupported = 'PERSISTED_QUERY_NOT_SUPPORTED',
  /** The operation exceeds a configured depth, alias, token or cost limit. */
  QueryTooComplex = 'QUERY_TOO_COMPLEX',
  /** The request body is larger than allowed. */
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  /** A subgraph takes operations by POST only (405). */
  MethodNotAllowed = 'METHOD_NOT_ALLOWED',
  /** A dependency (Kafka, Redis, PostgreSQL, a subgraph) cannot answer right now. */
  ServiceUnavailable = 'SERVICE_UNAVAILABLE',
  /** A graphql-ws connection already runs its maximum number of subscriptions. */
  TooManySubscriptions = 'TOO_MANY_SUBSCRIPTIONS',
  /** Anything else; the message is generic in production. */
  InternalServerError = 'INTERNAL_SERVER_ERROR',
}

/**
 * The database's own error behind a failed query. drizzle wraps driver errors in a
 * DrizzleQueryError whose message repeats the query and every parameter (a whole batch), so
 * logs and dead-letter reasons use the cause instead.
 */
export function databaseCause(error: unknown): { code: string | undefined; message: string } {
  let current: unknown = error;
  while (current instanceof Error && current.name !== 'error' && current.cause !== undefined)
    current = current.cause;
  const code = (current as { code?: unknown } | null)?.code;
  return {
    code: typeof code === 'string' ? code : undefined,
    message: current instanceof Error ? current.message : String(current),
  };
}

/**
 * SQLSTATE classes that mean "PostgreSQL cannot serve now": connection exceptions (08),
 * insufficient resources (53: too many connections), operator intervention (57: a statement
 * cancelled by statement_timeout, a server shutting down or starting) and system errors (58).
 */
const UNAVAILABLE_SQLSTATE = /^(08|53|57|58)[0-9A-Z]{3}$/;
/** A Node.js socket error: ECONNREFUSED, ECONNRESET, ETIMEDOUT, EPIPE … */
const SOCKET_ERROR = /^E[A-Z]+$/;
/**
 * What pg itself says when the server does not answer or the connection broke: "Query read
 * timeout" (query_timeout), "timeout exceeded when trying to connect" (connectionTimeoutMillis),
 * "Connection terminated …", "Client has encountered a connection error and is not queryable".
 */
const DRIVER_FAILURE = /timeout|Connection terminated|not queryable/i;

/**
 * True when a query failed because PostgreSQL is unreachable, hanging or refusing work, not
 * because of the query: the caller should answer "unavailable, retry later".
 */
export function isPostgresUnavailable(error: unknown): boolean {
  const { code, message } = databaseCause(error);
  if (code !== undefined) return UNAVAILABLE_SQLSTATE.test(code) || SOCKET_ERROR.test(code);
  return DRIVER_FAILURE.test(message);
}

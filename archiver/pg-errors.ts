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
 * Errors caused by the rows themselves rather than by the database being unreachable: data
 * exceptions (SQLSTATE 22: a NUL byte in text or JSON, an invalid date), integrity violations
 * (23) and program limits (54: an index row too large). Retrying them can never succeed, so
 * the rows that cause them are dead-lettered; every other error is retried.
 */
export function isRowDataError(error: unknown): boolean {
  const { code } = databaseCause(error);
  return code !== undefined && /^(22|23|54)/.test(code);
}

/** A short, loggable description of a failed query: SQLSTATE and the database's message. */
export function describeDatabaseError(error: unknown): string {
  const { code, message } = databaseCause(error);
  return code === undefined ? message : `${code}: ${message}`;
}

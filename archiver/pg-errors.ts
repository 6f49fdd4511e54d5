import { databaseCause } from '../lib/postgres-errors.ts';

export { databaseCause };

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

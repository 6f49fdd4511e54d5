import { DrizzleQueryError } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { describeDatabaseError, isRowDataError } from './pg-errors.ts';

/** What node-postgres throws: an Error named "error" with the SQLSTATE in `code`. */
function pgError(code: string, message: string): Error {
  return Object.assign(new Error(message), { name: 'error', code });
}

describe('database errors', () => {
  it('see through drizzle wrapping to the SQLSTATE', () => {
    const wrapped = new DrizzleQueryError(
      'insert …',
      ['huge'],
      pgError('22P05', 'unsupported Unicode escape sequence'),
    );
    expect(isRowDataError(wrapped)).toBe(true);
    expect(describeDatabaseError(wrapped)).toBe('22P05: unsupported Unicode escape sequence');
  });

  it('treat connection failures as retryable, not as bad rows', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    expect(isRowDataError(refused)).toBe(false);
    expect(isRowDataError(pgError('57P01', 'terminating connection'))).toBe(false);
    expect(isRowDataError(new Error('Connection terminated unexpectedly'))).toBe(false);
    expect(isRowDataError(pgError('23502', 'null value in column'))).toBe(true);
  });
});

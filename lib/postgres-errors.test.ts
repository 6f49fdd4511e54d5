import { DrizzleQueryError } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { isPostgresUnavailable } from './postgres-errors.ts';

/** What node-postgres throws for a server error: an Error named "error" with the SQLSTATE. */
function pgError(code: string, message: string): Error {
  return Object.assign(new Error(message), { name: 'error', code });
}

describe('isPostgresUnavailable', () => {
  it('is true for a refused, hanging or broken connection, as pg reports each', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    expect(isPostgresUnavailable(refused)).toBe(true);
    expect(isPostgresUnavailable(new Error('Query read timeout'))).toBe(true);
    expect(isPostgresUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isPostgresUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(
      isPostgresUnavailable(
        new Error('Client has encountered a connection error and is not queryable'),
      ),
    ).toBe(true);
  });

  it('is true for the server refusing work: cancelled by statement_timeout, shutting down, full', () => {
    expect(
      isPostgresUnavailable(pgError('57014', 'canceling statement due to statement timeout')),
    ).toBe(true);
    expect(isPostgresUnavailable(pgError('57P01', 'terminating connection'))).toBe(true);
    expect(isPostgresUnavailable(pgError('53300', 'too many connections'))).toBe(true);
    expect(isPostgresUnavailable(pgError('08006', 'connection failure'))).toBe(true);
  });

  it('sees through drizzle wrapping', () => {
    const wrapped = new DrizzleQueryError('select …', [], new Error('Query read timeout'));
    expect(isPostgresUnavailable(wrapped)).toBe(true);
  });

  it('is false for what the query itself got wrong, and for bugs', () => {
    expect(isPostgresUnavailable(pgError('22P02', 'invalid input syntax'))).toBe(false);
    expect(isPostgresUnavailable(pgError('42P01', 'relation "events" does not exist'))).toBe(false);
    expect(isPostgresUnavailable(pgError('23505', 'duplicate key'))).toBe(false);
    expect(isPostgresUnavailable(new TypeError('cannot read properties of undefined'))).toBe(false);
  });
});

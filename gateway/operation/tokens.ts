import { Lexer, Source, TokenKind } from 'graphql';
import type { Refusal } from '../../lib/http/graphql-route.ts';
import { ErrorCode } from '../../schema/errors.ts';

/**
 * Counts the lexical tokens of a query, stopping at `limit + 1`: cheap enough to run before
 * parsing, so an oversized document is refused before the parser spends time on it. A lexing
 * error stops the count; the parser then reports the syntax error itself.
 */
export function countTokens(query: string, limit: number): number {
  const lexer = new Lexer(new Source(query));
  let count = 0;
  try {
    while (lexer.advance().kind !== TokenKind.EOF) if (++count > limit) break;
  } catch {
    // Syntax errors are the parser's to report.
  }
  return count;
}

/** The refusal of a query with more than `maxTokens` tokens (QUERY_TOO_COMPLEX, 400). */
export function tokenLimitRefusal(query: string, maxTokens: number): Refusal | undefined {
  if (countTokens(query, maxTokens) <= maxTokens) return undefined;
  return {
    status: 400,
    code: ErrorCode.QueryTooComplex,
    message: `the operation has more than ${maxTokens} tokens; the limit is ${maxTokens} (limits.maxTokens)`,
    extensions: { limit: 'tokens', maximum: maxTokens },
  };
}

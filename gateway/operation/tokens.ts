import { Lexer, Source, TokenKind } from 'graphql';

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

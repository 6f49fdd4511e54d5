import { describe, expect, it } from 'vitest';
import { copyLine, copyValue } from './postgres-copy-text.ts';

describe('COPY text encoding', () => {
  it('writes NULL as \\N and escapes backslash, newline, carriage return and tab', () => {
    expect(copyValue(null)).toBe('\\N');
    expect(copyValue(undefined)).toBe('\\N');
    expect(copyValue('a\\b\nc\rd\te')).toBe('a\\\\b\\nc\\rd\\te');
  });

  it('writes objects as JSON and numbers as digits', () => {
    expect(copyValue({ path: 'a\tb', n: 1 })).toBe('{"path":"a\\\\tb","n":1}');
    expect(copyValue(42)).toBe('42');
  });

  it('joins the chosen columns of a row with tabs, one line per row', () => {
    expect(copyLine({ a: 'x', b: null, c: 3, ignored: 'y' }, ['a', 'b', 'c'])).toBe('x\t\\N\t3\n');
  });
});

/**
 * PostgreSQL COPY text format: one line per row, columns separated by tabs, NULL as `\N`,
 * backslash escapes for the characters the format reserves; objects as JSON (jsonb columns).
 */
export function copyValue(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value as string | number);
  return text.replace(/[\\\n\r\t]/g, (char) => COPY_ESCAPES[char] ?? char);
}

const COPY_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** One row's line: the values of `keys`, in that order (a missing value is NULL). */
export function copyLine<Row extends object>(row: Row, keys: ReadonlyArray<keyof Row>): string {
  return `${keys.map((key) => copyValue(row[key])).join('\t')}\n`;
}

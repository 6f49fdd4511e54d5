import type { FieldError } from './field-errors.ts';

/**
 * Characters PostgreSQL cannot store (checked against PostgreSQL 15, UTF-8 database): U+0000,
 * refused by text ("invalid Unicode escape value") and jsonb ("\u0000 cannot be converted to
 * text"), and a UTF-16 surrogate without its pair, refused by jsonb ("Unicode low surrogate must
 * follow a high surrogate") and silently replaced by U+FFFD in a text column. Without the `u`
 * flag the pattern works on UTF-16 code units, which is what makes a lone surrogate visible.
 */
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A `\u` escape of U+0000 or of a surrogate (paired or not), any case of hex digits. */
const SUSPICIOUS_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/;

/** Names reported per event at most: enough to fix a client, bounded for a hostile one. */
const MAX_REPORTED = 10;
/** Longest field path reported: a hostile value nests thousands of levels deep. */
const MAX_PATH_CHARS = 200;
const shown = (path: string) =>
  path.length > MAX_PATH_CHARS ? `${path.slice(0, MAX_PATH_CHARS)}…` : path;

/**
 * Whether JSON text may hold an unstorable character once parsed: the cheap check before any
 * walk of the parsed value. JSON text decoded from UTF-8 bytes, and JSON.stringify's output,
 * can carry U+0000 or a lone surrogate only as a `\u` escape (a raw U+0000 is not valid JSON,
 * UTF-8 decoding turns an encoded surrogate into U+FFFD, JSON.stringify escapes both), so text
 * without such an escape is clean. Paired surrogates written as escapes pass here and then the
 * walk, which finds nothing.
 */
export function mayHoldUnstorable(json: string): boolean {
  return json.includes('\\u') && SUSPICIOUS_ESCAPE.test(json);
}

function describe(text: string): string {
  const match = UNSTORABLE.exec(text);
  const code = match?.[0].charCodeAt(0) ?? 0;
  const name = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return code === 0 ? name : `an unpaired UTF-16 surrogate (${name})`;
}

/** A key as it appears in a field path; an unstorable one in its JSON escaped form. */
const keyText = (key: string) => (UNSTORABLE.test(key) ? JSON.stringify(key).slice(1, -1) : key);

/**
 * Every key and string value anywhere in `value` that PostgreSQL cannot store, by field path
 * (`properties.note`, `traits.tags[2]`), at most MAX_REPORTED. The walk keeps its own stack, so
 * a deeply nested hostile value cannot overflow the call stack.
 */
export function unstorableFields(value: unknown): FieldError[] {
  const errors: FieldError[] = [];
  type Item = { value: unknown; path: string };
  const stack: Item[] = [{ value, path: '' }];
  const join = (parent: string, key: string) => (parent === '' ? key : `${parent}.${key}`);
  while (stack.length > 0 && errors.length < MAX_REPORTED) {
    const item = stack.pop() as Item;
    const current = item.value;
    if (typeof current === 'string') {
      if (UNSTORABLE.test(current))
        errors.push({
          field: shown(item.path) || '(event)',
          message: `contains ${describe(current)}, which PostgreSQL cannot store`,
        });
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--)
        stack.push({ value: current[i], path: `${item.path}[${i}]` });
    } else if (typeof current === 'object' && current !== null) {
      const children: Item[] = [];
      for (const [key, child] of Object.entries(current)) {
        const field = join(item.path, keyText(key));
        if (UNSTORABLE.test(key))
          errors.push({
            field: shown(field),
            message: `the key contains ${describe(key)}, which PostgreSQL cannot store`,
          });
        children.push({ value: child, path: field });
      }
      // Reversed onto the stack, so fields are visited (and reported) in the order sent.
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as Item);
    }
  }
  return errors.slice(0, MAX_REPORTED);
}

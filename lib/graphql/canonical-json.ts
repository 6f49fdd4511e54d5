/**
 * JSON with every object's keys in one order (code-unit order, at every depth), so two sides
 * that hold the same value produce the same bytes whatever order its keys were built or parsed
 * in: the form a signature over a parsed JSON value (a graphql-ws subscribe payload) is made
 * and checked over. Arrays keep their order; `undefined` members are left out as by
 * `JSON.stringify`, and a value parsed from this text gives the same text again.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

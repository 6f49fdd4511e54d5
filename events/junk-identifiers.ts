import { z } from 'zod';
import type { FieldError } from './field-errors.ts';

/**
 * What a JavaScript SDK sends when the id it meant is missing: `String(undefined)`,
 * `String(null)`, `String(NaN)`, `String({})`, and the `0` of a counter that never started.
 * Accepted, each would merge every visitor with the bug into one profile (a hot key, and one
 * stranger's traits shown to another). Matched case-insensitively after trimming whitespace.
 * An empty or whitespace-only id is refused whatever the list says.
 */
export const DEFAULT_JUNK_IDENTIFIERS: readonly string[] = [
  'undefined',
  'null',
  'NaN',
  '0',
  '[object Object]',
];

/**
 * `ingest.junkIdentifiers` of the gateway and the Activity subgraph; the default equals
 * config/gateway.yml and config/activity.yml (junk-identifiers.test.ts keeps them equal).
 */
export const junkIdentifiersSetting = z
  .array(z.string().trim().min(1).max(200))
  .default(() => [...DEFAULT_JUNK_IDENTIFIERS]);

/** A junk list made ready for matching: its words trimmed and lower-cased. */
export type JunkIdentifiers = ReadonlySet<string>;

export const junkIdentifiers = (words: readonly string[]): JunkIdentifiers =>
  new Set(words.map(comparable));

/**
 * The list the consumers (decode.ts) check with: always the default, so a record is judged the
 * same by every consumer and on every replay, whatever a service's configuration says.
 */
export const DEFAULT_JUNK = junkIdentifiers(DEFAULT_JUNK_IDENTIFIERS);

function comparable(value: string): string {
  return value.trim().toLowerCase();
}

/** Whether `value` is an empty, blank or listed identifier. */
export function isJunkIdentifier(value: string, junk: JunkIdentifiers): boolean {
  const word = comparable(value);
  return word === '' || junk.has(word);
}

/** The identifier fields a call type carries; only these name a profile or a group. */
const PROFILE_IDS = ['userId', 'anonymousId'] as const;
const GROUP_IDS = [...PROFILE_IDS, 'groupId'] as const;
const ALIAS_IDS = [...PROFILE_IDS, 'previousId'] as const;
const idFields = (type: unknown): readonly string[] =>
  type === 'group' ? GROUP_IDS : type === 'alias' ? ALIAS_IDS : PROFILE_IDS;

const NONE: readonly FieldError[] = Object.freeze([]);

/** Longest value quoted in the message: a junk value may carry kilobytes of whitespace. */
const MAX_QUOTED_CHARS = 40;
const quoted = (value: string) =>
  JSON.stringify(value.length > MAX_QUOTED_CHARS ? `${value.slice(0, MAX_QUOTED_CHARS)}…` : value);

/**
 * The identifier fields of a call (`userId`, `anonymousId`, `previousId` of an alias, `groupId`
 * of a group) holding a junk identifier, with the reason. Only string values are looked at:
 * any other value is the schema's to refuse.
 */
export function junkIdentifierFields(call: unknown, junk: JunkIdentifiers): readonly FieldError[] {
  if (typeof call !== 'object' || call === null || Array.isArray(call)) return NONE;
  const fields = call as Record<string, unknown>;
  // Allocated only for a refusal: the consumers check every event ingest already accepted.
  let errors: FieldError[] | undefined;
  for (const field of idFields(fields['type'])) {
    // Own properties only: a call parsed from JSON may carry any key, `__proto__` included.
    const value = Object.hasOwn(fields, field) ? fields[field] : undefined;
    if (typeof value === 'string' && isJunkIdentifier(value, junk))
      (errors ??= []).push({
        field,
        message: `${quoted(value)} is not an identifier (a value SDKs send by mistake)`,
      });
  }
  return errors ?? NONE;
}

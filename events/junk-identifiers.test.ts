import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  DEFAULT_JUNK,
  DEFAULT_JUNK_IDENTIFIERS,
  isJunkIdentifier,
  junkIdentifierFields,
  junkIdentifiers,
  junkIdentifiersSetting,
} from './junk-identifiers.ts';

const MISTAKE = 'is not an identifier (a value SDKs send by mistake)';

describe('isJunkIdentifier', () => {
  it.each(DEFAULT_JUNK_IDENTIFIERS)('refuses the default %s', (word) => {
    expect(isJunkIdentifier(word, DEFAULT_JUNK)).toBe(true);
  });

  it.each(['UNDEFINED', 'Null', 'nan', 'NAN', '[OBJECT OBJECT]', '[object object]'])(
    'refuses %s in any case',
    (word) => expect(isJunkIdentifier(word, DEFAULT_JUNK)).toBe(true),
  );

  it.each([' undefined', 'null ', '\tNaN\n', '  0  ', '\u00a0[object Object]\u2003'])(
    'refuses %j around whitespace',
    (word) => expect(isJunkIdentifier(word, DEFAULT_JUNK)).toBe(true),
  );

  it.each(['', ' ', '\t\n', '\u00a0'])(
    'refuses the empty or blank %j, whatever the list',
    (word) => {
      expect(isJunkIdentifier(word, DEFAULT_JUNK)).toBe(true);
      expect(isJunkIdentifier(word, junkIdentifiers([]))).toBe(true);
    },
  );

  it.each(['0a', 'nullable', '00', '-0', 'undefined-1', 'u-null', 'object', 'NaN0', 'user 0', '1'])(
    'accepts the real id %j',
    (id) => expect(isJunkIdentifier(id, DEFAULT_JUNK)).toBe(false),
  );

  it('follows a configured list, matched the same way', () => {
    const junk = junkIdentifiers(['guest', ' Anonymous ']);
    expect(isJunkIdentifier('GUEST', junk)).toBe(true);
    expect(isJunkIdentifier(' anonymous', junk)).toBe(true);
    expect(isJunkIdentifier('guests', junk)).toBe(false);
    // The list replaces the default: what it leaves out is an identifier again.
    expect(isJunkIdentifier('undefined', junk)).toBe(false);
  });
});

describe('junkIdentifierFields', () => {
  it('names each junk identifier field with the value sent', () => {
    expect(
      junkIdentifierFields(
        { type: 'track', userId: 'undefined', anonymousId: ' NULL ', event: 'e' },
        DEFAULT_JUNK,
      ),
    ).toEqual([
      { field: 'userId', message: `"undefined" ${MISTAKE}` },
      { field: 'anonymousId', message: `" NULL " ${MISTAKE}` },
    ]);
  });

  it('looks at previousId of an alias and groupId of a group only', () => {
    expect(
      junkIdentifierFields({ type: 'alias', userId: 'u1', previousId: '0' }, DEFAULT_JUNK),
    ).toEqual([{ field: 'previousId', message: `"0" ${MISTAKE}` }]);
    expect(
      junkIdentifierFields({ type: 'group', userId: 'u1', groupId: 'NaN' }, DEFAULT_JUNK),
    ).toEqual([{ field: 'groupId', message: `"NaN" ${MISTAKE}` }]);
    // A field the call type does not carry names nothing, so it is not judged.
    expect(
      junkIdentifierFields({ type: 'track', userId: 'u1', groupId: 'null' }, DEFAULT_JUNK),
    ).toEqual([]);
  });

  it('leaves values that are not strings, and calls that are not objects, to the schema', () => {
    expect(junkIdentifierFields({ type: 'track', userId: 0, event: 'e' }, DEFAULT_JUNK)).toEqual(
      [],
    );
    expect(junkIdentifierFields('undefined', DEFAULT_JUNK)).toEqual([]);
    expect(junkIdentifierFields(['undefined'], DEFAULT_JUNK)).toEqual([]);
    expect(junkIdentifierFields(null, DEFAULT_JUNK)).toEqual([]);
  });

  it('reads own fields only, whatever the type says', () => {
    const inherited = Object.assign(Object.create({ userId: 'null' }) as object, { type: 'track' });
    expect(junkIdentifierFields(inherited, DEFAULT_JUNK)).toEqual([]);
    expect(
      junkIdentifierFields({ type: 'constructor', userId: 'null' }, DEFAULT_JUNK),
    ).toHaveLength(1);
  });

  it('quotes at most 40 characters of a long blank value', () => {
    const [error] = junkIdentifierFields(
      { type: 'track', userId: ' '.repeat(10_000), event: 'e' },
      DEFAULT_JUNK,
    );
    expect(error?.message).toBe(`"${' '.repeat(40)}…" ${MISTAKE}`);
  });
});

describe('ingest.junkIdentifiers', () => {
  const ingestOf = async (file: string) => {
    const text = await readFile(new URL(`../config/${file}`, import.meta.url), 'utf8');
    return (parse(text) as { ingest: Record<string, unknown> }).ingest;
  };

  it.each(['gateway.yml', 'activity.yml'])(
    'defaults to exactly what config/%s says',
    async (file) => {
      const yml = await ingestOf(file);
      expect(junkIdentifiersSetting.parse(undefined)).toEqual(yml['junkIdentifiers']);
      expect(junkIdentifiersSetting.parse(undefined)).toEqual([...DEFAULT_JUNK_IDENTIFIERS]);
    },
  );

  it('refuses an empty or blank word, which would mean nothing', () => {
    expect(junkIdentifiersSetting.safeParse(['guest', '  ']).success).toBe(false);
    expect(junkIdentifiersSetting.parse([' guest '])).toEqual(['guest']);
  });
});

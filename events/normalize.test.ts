import { describe, expect, it } from 'vitest';
import { EVENT_TIME_WINDOW, MAX_TIMESTAMP_AHEAD_MS } from '../schema/event.ts';
import { DEFAULT_JUNK_IDENTIFIERS, junkIdentifiers } from './junk-identifiers.ts';
import { normalizeEvent } from './normalize.ts';
import { validateCalls } from './validate.ts';

const receivedAt = new Date('2026-01-01T12:00:00.000Z');

describe('normalizeEvent', () => {
  it('stamps messageId, receivedAt and a timestamp when the client sent none', () => {
    const result = normalizeEvent({ type: 'track', userId: 'u1', event: 'Clicked' }, receivedAt);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.event.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.event.receivedAt).toBe(receivedAt.toISOString());
    expect(result.event.timestamp).toBe(receivedAt.toISOString());
  });

  it('keeps a client messageId', () => {
    const result = normalizeEvent(
      { type: 'page', anonymousId: 'a1', messageId: 'm-1' },
      receivedAt,
    );
    expect(result.ok && result.event.messageId).toBe('m-1');
  });

  it('corrects client clock skew: receivedAt - (sentAt - originalTimestamp)', () => {
    // The client's clock runs 1 hour fast; the event happened 5 s before it was sent.
    const result = normalizeEvent(
      {
        type: 'track',
        userId: 'u1',
        event: 'x',
        timestamp: '2026-01-01T12:59:55.000Z',
        sentAt: '2026-01-01T13:00:00.000Z',
      },
      receivedAt,
    );
    expect(result.ok && result.event.timestamp).toBe('2026-01-01T11:59:55.000Z');
  });

  it('names each invalid field', () => {
    const result = normalizeEvent({ type: 'track', properties: 'nope' }, receivedAt);
    expect(result).toEqual({
      ok: false,
      errors: expect.arrayContaining([
        { field: 'event', message: expect.any(String) },
        { field: 'properties', message: expect.any(String) },
      ]),
    });
  });

  it('requires userId or anonymousId', () => {
    const result = normalizeEvent({ type: 'identify', traits: {} }, receivedAt);
    expect(result).toEqual({
      ok: false,
      errors: [{ field: 'userId', message: 'userId or anonymousId is required' }],
    });
  });

  it('rejects an unknown call type', () => {
    const result = normalizeEvent({ type: 'purchase', userId: 'u1' }, receivedAt);
    expect(result.ok).toBe(false);
  });

  it('refuses unstorable characters in keys and values, naming each field', () => {
    const result = normalizeEvent(
      {
        type: 'identify',
        userId: 'u\u0000',
        traits: { 'k\ud800': 1, ok: 'caf\u00e9 \ud83d\ude00', note: ['x', 'y\u0000'] },
      },
      receivedAt,
    );
    expect(result.ok ? [] : result.errors.map((e) => e.field)).toEqual([
      'userId',
      'traits.k\\ud800',
      'traits.note[1]',
    ]);
  });

  it('walks for unstorable characters only when the JSON text may hold one', () => {
    const call = { type: 'track', userId: 'u', event: 'e', properties: { note: '\u0000' } };
    // A caller's text is trusted as the call's serialization: a clean text skips the walk.
    expect(normalizeEvent(call, receivedAt, '{}').ok).toBe(true);
    expect(normalizeEvent(call, receivedAt, JSON.stringify(call)).ok).toBe(false);
  });

  it('names the batch position of an unstorable field', () => {
    const ok = { type: 'track', userId: 'u', event: 'e' };
    const result = validateCalls(
      [ok, ok, ok, { ...ok, properties: { note: 'a\u0000' } }],
      receivedAt,
      true,
    );
    expect(result).toEqual({
      ok: false,
      tooLarge: false,
      errors: [{ field: 'batch[3].properties.note', message: expect.stringMatching(/U\+0000/) }],
    });
  });
});

describe('normalizeEvent junk identifiers', () => {
  const mistake = (value: string) =>
    `${JSON.stringify(value)} is not an identifier (a value SDKs send by mistake)`;

  it('refuses a junk userId, naming the field in the field-error format', () => {
    expect(normalizeEvent({ type: 'track', userId: 'undefined', event: 'e' }, receivedAt)).toEqual({
      ok: false,
      errors: [{ field: 'userId', message: mistake('undefined') }],
    });
  });

  it('refuses an empty or blank only id with the junk message alone', () => {
    expect(normalizeEvent({ type: 'identify', anonymousId: '' }, receivedAt)).toEqual({
      ok: false,
      errors: [{ field: 'anonymousId', message: mistake('') }],
    });
    expect(normalizeEvent({ type: 'identify', userId: '  ' }, receivedAt)).toEqual({
      ok: false,
      errors: [{ field: 'userId', message: mistake('  ') }],
    });
  });

  it('refuses a junk id beside a real one, and junk previousId and groupId', () => {
    const results = [
      normalizeEvent({ type: 'page', userId: 'u1', anonymousId: '[object Object]' }, receivedAt),
      normalizeEvent({ type: 'alias', userId: 'u1', previousId: 'null' }, receivedAt),
      normalizeEvent({ type: 'group', userId: 'u1', groupId: ' NaN' }, receivedAt),
    ];
    expect(results.map((r) => (r.ok ? [] : r.errors.map((e) => e.field)))).toEqual([
      ['anonymousId'],
      ['previousId'],
      ['groupId'],
    ]);
  });

  it('reports the other invalid fields beside the junk one', () => {
    const result = normalizeEvent({ type: 'track', userId: '0', properties: 'x' }, receivedAt);
    expect(result.ok ? [] : result.errors.map((e) => e.field).sort()).toEqual([
      'event',
      'properties',
      'userId',
    ]);
  });

  it('follows the list it is given', () => {
    const junk = junkIdentifiers([...DEFAULT_JUNK_IDENTIFIERS, 'guest']);
    const guest = { type: 'track', userId: 'Guest', event: 'e' };
    expect(normalizeEvent(guest, receivedAt).ok).toBe(true);
    expect(normalizeEvent(guest, receivedAt, undefined, junk)).toEqual({
      ok: false,
      errors: [{ field: 'userId', message: mistake('Guest') }],
    });
  });

  it('refuses a whole batch for one junk anonymousId, naming its position', () => {
    const ok = { type: 'track', userId: 'u', event: 'e' };
    const result = validateCalls(
      [ok, { type: 'track', anonymousId: 'null', event: 'e' }, ok],
      receivedAt,
      true,
    );
    expect(result).toEqual({
      ok: false,
      tooLarge: false,
      errors: [{ field: 'batch[1].anonymousId', message: mistake('null') }],
    });
  });
});

describe('normalizeEvent time rules', () => {
  const track = (times: Record<string, string>) => ({
    type: 'track',
    userId: 'u1',
    event: 'e',
    ...times,
  });
  const before = (iso: string) => new Date(Date.parse(iso) - 1).toISOString();
  const fieldsOf = (times: Record<string, string>, at = receivedAt) => {
    const result = normalizeEvent(track(times), at);
    return result.ok ? [] : result.errors.map((e) => e.field);
  };

  it.each(['timestamp', 'originalTimestamp', 'sentAt'])(
    'accepts %s exactly at the window start and 1 ms before its end',
    (field) => {
      expect(fieldsOf({ [field]: EVENT_TIME_WINDOW.from })).toEqual([]);
      // Without sentAt the corrected timestamp is the time itself: at most 24 h ahead, so the
      // window's end is tried against a receivedAt just before it.
      const late = new Date(Date.parse(EVENT_TIME_WINDOW.to) - 60_000);
      expect(fieldsOf({ [field]: before(EVENT_TIME_WINDOW.to) }, late)).toEqual([]);
    },
  );

  it.each(['timestamp', 'originalTimestamp', 'sentAt'])(
    'refuses %s 1 ms before the window and at its end, naming it',
    (field) => {
      expect(fieldsOf({ [field]: before(EVENT_TIME_WINDOW.from) })).toEqual([field]);
      expect(fieldsOf({ [field]: EVENT_TIME_WINDOW.to })).toEqual([field]);
      expect(fieldsOf({ [field]: '0001-01-01T00:00:00Z' })).toEqual([field]);
    },
  );

  it('reads offsets: 00:30+01:00 on 1 January 2000 is still 1999 in UTC', () => {
    expect(fieldsOf({ timestamp: '2000-01-01T00:30:00+01:00' })).toEqual(['timestamp']);
    expect(fieldsOf({ timestamp: '2000-01-01T01:00:00+01:00' })).toEqual([]);
  });

  it('accepts a timestamp exactly 24 h after receivedAt and refuses one 1 ms later', () => {
    const ahead = (ms: number) => new Date(receivedAt.getTime() + ms).toISOString();
    expect(fieldsOf({ timestamp: ahead(MAX_TIMESTAMP_AHEAD_MS) })).toEqual([]);
    expect(fieldsOf({ timestamp: ahead(MAX_TIMESTAMP_AHEAD_MS + 1) })).toEqual(['timestamp']);
  });

  it('checks the corrected timestamp and names the field it was made from', () => {
    // Each time is in the window, but the client's clock ran 99 years fast: corrected, 1927.
    const skewed = {
      originalTimestamp: '2000-06-01T00:00:00.000Z',
      sentAt: '2099-06-01T00:00:00.000Z',
    };
    const result = normalizeEvent(track(skewed), receivedAt);
    expect(result).toEqual({
      ok: false,
      errors: [
        {
          field: 'originalTimestamp',
          message:
            'once corrected for clock skew (receivedAt − (sentAt − originalTimestamp)), must lie within [2000-01-01T00:00:00.000Z, 2100-01-01T00:00:00.000Z)',
        },
      ],
    });
    // The event happened 2 days after it was sent: in the future once corrected.
    expect(
      fieldsOf({ timestamp: '2026-01-03T12:00:00.000Z', sentAt: '2026-01-01T12:00:00.000Z' }),
    ).toEqual(['timestamp']);
  });

  it('accepts any window-valid times whose correction lands in the window', () => {
    const result = normalizeEvent(
      track({ timestamp: '2000-01-01T00:00:00.000Z', sentAt: '2000-01-01T00:00:01.000Z' }),
      receivedAt,
    );
    expect(result.ok && result.event.timestamp).toBe('2026-01-01T11:59:59.000Z');
  });
});

import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { EVENT_TIME_WINDOW } from '../schema/event.ts';
import { decodeEvent } from './decode.ts';

const recordTime = Date.parse('2026-03-01T10:00:00.000Z');

function record(value: unknown, options: { timestamp?: number; offset?: string } = {}) {
  return {
    key: Buffer.from('u1'),
    value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
    timestamp: String(options.timestamp ?? recordTime),
    offset: options.offset ?? '42',
    attributes: 0,
    headers: {},
  } as KafkaMessage;
}

const stamped = {
  type: 'track',
  userId: 'u1',
  event: 'Clicked',
  messageId: 'm-1',
  timestamp: '2026-03-01T09:59:55.000Z',
  receivedAt: '2026-03-01T09:59:56.000Z',
};

describe('decodeEvent', () => {
  it("hands on ingest's own events as they are", () => {
    const decoded = decodeEvent(record(stamped), 3);
    expect(decoded).toEqual({ ok: true, event: stamped });
  });

  it('completes a raw Segment event from the record, as ingest would have', () => {
    const raw = {
      type: 'identify',
      anonymousId: 'a1',
      traits: { plan: 'pro' },
      // The producer's clock runs 1 hour slow; the event happened 5 s before it was sent.
      originalTimestamp: '2026-03-01T08:59:50.000Z',
      sentAt: '2026-03-01T08:59:55.000Z',
    };
    const decoded = decodeEvent(record(raw, { offset: '7' }), 2);
    expect(decoded).toEqual({
      ok: true,
      event: {
        ...raw,
        messageId: 'kafka:2:7',
        receivedAt: '2026-03-01T10:00:00.000Z',
        timestamp: '2026-03-01T09:59:55.000Z',
      },
    });
    // A redelivery of the same record decodes to the same event: same messageId, same times.
    expect(decodeEvent(record(raw, { offset: '7' }), 2)).toEqual(decoded);
  });

  it('stamps the record time as timestamp when the event carries none', () => {
    const decoded = decodeEvent(record({ type: 'page', userId: 'u1', messageId: 'p' }), 0);
    expect(decoded.ok && decoded.event.timestamp).toBe('2026-03-01T10:00:00.000Z');
  });

  it('keeps a producer receivedAt and corrects nothing twice', () => {
    const { timestamp: _, ...noTimestamp } = stamped;
    const decoded = decodeEvent(record({ ...noTimestamp, sentAt: stamped.receivedAt }), 0);
    expect(decoded.ok && decoded.event.timestamp).toBe(stamped.receivedAt);
    const withSkew = { ...stamped, sentAt: '2026-03-01T12:00:00.000Z' };
    expect(decodeEvent(record(withSkew), 0)).toEqual({ ok: true, event: withSkew });
  });

  it('dead-letters unstorable characters in keys and values, naming the fields', () => {
    const decoded = decodeEvent(
      record({ ...stamped, properties: { 'k\u0000': 1, note: 'x\ud800' } }),
      0,
    );
    expect(decoded).toEqual({
      ok: false,
      kind: 'unstorable',
      reason:
        'unstorable value: properties.k\\u0000: the key contains U+0000, which PostgreSQL cannot store; ' +
        'properties.note: contains an unpaired UTF-16 surrogate (U+D800), which PostgreSQL cannot store',
    });
  });

  it('takes escaped surrogate pairs and non-ASCII as other producers write them', () => {
    const text = JSON.stringify({ ...stamped, properties: { note: 'NOTE' } }).replace(
      'NOTE',
      'caf\\u00e9 \\uD83D\\uDE00',
    );
    const decoded = decodeEvent(record(text), 0);
    expect(decoded.ok && decoded.event.type === 'track' && decoded.event.properties).toEqual({
      note: 'café 😀',
    });
  });

  it.each([
    ['timestamp', { timestamp: '1999-12-31T23:59:59.999Z' }],
    ['timestamp', { timestamp: EVENT_TIME_WINDOW.to, receivedAt: '2099-12-31T12:00:00.000Z' }],
    ['receivedAt', { receivedAt: '2100-01-01T00:00:00.000Z' }],
    ['sentAt', { sentAt: '1970-01-01T00:00:00.000Z' }],
    ['timestamp', { timestamp: '2026-03-02T09:59:56.001Z' }],
  ])('dead-letters an event time out of window: %s', (field, times) => {
    const decoded = decodeEvent(record({ ...stamped, ...times }), 0);
    expect(decoded).toEqual({
      ok: false,
      kind: 'out_of_window',
      reason: expect.stringMatching(new RegExp(`^event time out of window: ${field}: `)),
    });
  });

  it('accepts the edges: the window start, 1 ms before its end, exactly 24 h ahead', () => {
    for (const times of [
      { timestamp: EVENT_TIME_WINDOW.from, receivedAt: EVENT_TIME_WINDOW.from },
      { timestamp: '2099-12-31T23:59:59.999Z', receivedAt: '2099-12-31T23:59:59.999Z' },
      { timestamp: '2026-03-02T09:59:56.000Z' },
    ])
      expect(decodeEvent(record({ ...stamped, ...times }), 0).ok, JSON.stringify(times)).toBe(true);
  });

  it('dead-letters a raw event whose record time is out of window', () => {
    const raw = { type: 'track', userId: 'u1', event: 'e' };
    expect(decodeEvent(record(raw, { timestamp: -1 }), 0)).toEqual({
      ok: false,
      kind: 'out_of_window',
      reason: expect.stringMatching(
        /^event time out of window: receivedAt \(the record's timestamp\): /,
      ),
    });
    expect(decodeEvent(record(raw, { timestamp: Date.parse(EVENT_TIME_WINDOW.from) }), 0).ok).toBe(
      true,
    );
  });

  it.each([
    ['empty', '', /^empty message value$/],
    ['not_json', 'nope', /^not JSON: /],
    ['invalid', { ...stamped, type: 'purchase' }, /^invalid event: type: /],
    ['invalid', { ...stamped, userId: undefined }, /^invalid event: userId: userId or anonymousId/],
    ['invalid', { ...stamped, receivedAt: 'soon' }, /^invalid event: receivedAt: /],
    ['invalid', { ...stamped, properties: [1] }, /^invalid event: properties: /],
    [
      'junk_identifier',
      { ...stamped, userId: 'undefined' },
      /^junk identifier: userId: "undefined" is not an identifier \(a value SDKs send by mistake\)$/,
    ],
    [
      'junk_identifier',
      { ...stamped, type: 'alias', previousId: ' NULL ' },
      /^junk identifier: previousId: " NULL " is not an identifier/,
    ],
    ['junk_identifier', { ...stamped, anonymousId: ' ' }, /^junk identifier: anonymousId: " "/],
  ])('dead-letters the unappliable: %s', (kind, value, reason) => {
    expect(decodeEvent(record(value), 0)).toEqual({
      ok: false,
      kind,
      reason: expect.stringMatching(reason),
    });
  });
});

import { describe, expect, it } from 'vitest';
import { normalizeEvent } from './normalize.ts';

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
});

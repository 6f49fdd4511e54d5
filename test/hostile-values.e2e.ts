import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEAD_LETTER_HEADERS } from '../lib/kafka/dead-letter.ts';
import { parseBrokers } from '../lib/kafka/client.ts';
import { EVENT_TIME_WINDOW } from '../schema/event.ts';
import { archiveProbe, type ArchiveProbe } from './support/archive.ts';
import { basicAuth, eventually, sendSegment } from './support/http.ts';
import { setConfig } from './support/config.ts';
import { produceRaw, readTopic } from './support/kafka.ts';
import { useSystem } from './support/use-system.ts';

const PROFILE_QUERY = 'query ($id: ID!) { profile(id: $id) { id eventCount traits } }';

/** A track call with what makes it hostile; `userId` names the profile of the case. */
const track = (userId: string, fields: Record<string, unknown> = {}) => ({
  type: 'track',
  userId,
  event: 'Clicked',
  ...fields,
});

describe('hostile values: what no sink can store never stops, stalls or duplicates anything', () => {
  const { sandbox, system } = useSystem({ partitions: 3 });
  let archive: ArchiveProbe;
  /** Plain kafkajs, as an outside producer writes: no PulseHub code, not idempotent. */
  let kafka: Kafka;

  beforeAll(async () => {
    archive = archiveProbe(sandbox());
    kafka = new Kafka({
      clientId: `${sandbox().id}-outside-producer`,
      brokers: parseBrokers(sandbox().kafkaBrokers),
      logLevel: logLevel.NOTHING,
    });
  });
  afterAll(async () => {
    await archive?.close();
  });

  /** Sends records as an outside producer does; resolves with each record's partition@offset. */
  async function produce(
    messages: Array<{ key: string; value: string }>,
  ): Promise<Array<{ partition: number; offset: string }>> {
    const producer = kafka.producer();
    await producer.connect();
    try {
      const positions: Array<{ partition: number; offset: string }> = [];
      // One send per record: each answer's baseOffset is then that record's offset.
      for (const message of messages) {
        const [meta] = await producer.send({ topic: sandbox().topics.events, messages: [message] });
        positions.push({ partition: meta?.partition ?? -1, offset: meta?.baseOffset ?? '-1' });
      }
      return positions;
    } finally {
      await producer.disconnect();
    }
  }

  const profileOf = async (id: string) => {
    const answer = await system().query<{
      profile: { id: string; eventCount: number; traits: Record<string, unknown> } | null;
    }>(PROFILE_QUERY, { id });
    return answer.data?.profile ?? undefined;
  };
  const archivedOf = (profileId: string) =>
    archive.query<{ message_id: string; timestamp: Date; received_at: Date }>(
      'select message_id, timestamp, received_at from events where profile_id = $1',
      [profileId],
    );

  it('answers 400 naming the field for every value no sink can store, through ingest', async () => {
    const u = `${sandbox().id}-ingest`;
    const cases: Array<[string, string, Record<string, unknown>, string[]]> = [
      [
        'U+0000 in a value',
        'track',
        track(u, { properties: { note: 'a\u0000b' } }),
        ['properties.note'],
      ],
      [
        'an unpaired surrogate in a key',
        'identify',
        { userId: u, traits: { 'plan\ud800': 'pro' } },
        ['traits.plan\\ud800'],
      ],
      ['U+0000 in the userId', 'track', track(`${u}\u0000`), ['userId']],
      [
        'U+0000 deep in context',
        'page',
        { userId: u, context: { page: { tags: ['ok', '\u0000'] } } },
        ['context.page.tags[1]'],
      ],
      [
        'a timestamp before 2000',
        'track',
        track(u, { timestamp: '1999-12-31T23:59:59.999Z' }),
        ['timestamp'],
      ],
      ['a sentAt in 2100', 'track', track(u, { sentAt: EVENT_TIME_WINDOW.to }), ['sentAt']],
      [
        'a timestamp over 24 h ahead',
        'track',
        track(u, { timestamp: new Date(Date.now() + 25 * 3_600_000).toISOString() }),
        ['timestamp'],
      ],
      [
        'a corrected timestamp out of window',
        'track',
        track(u, {
          originalTimestamp: '2000-06-01T00:00:00.000Z',
          sentAt: '2099-06-01T00:00:00.000Z',
        }),
        ['originalTimestamp'],
      ],
      ['an unappliable properties', 'track', track(u, { properties: ['x'] }), ['properties']],
    ];
    for (const [name, type, body, fields] of cases) {
      const response = await sendSegment(system().gatewayUrl, type, body);
      expect(response.status, name).toBe(400);
      const answer = (await response.json()) as { errors: Array<{ field: string }> };
      expect(
        answer.errors.map((e) => e.field),
        name,
      ).toEqual(fields);
    }
    const batch = await fetch(`${system().gatewayUrl}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basicAuth('dev-write-key') },
      body: JSON.stringify({
        batch: [
          track(u),
          track(u),
          track(u),
          track(u, { traits: {}, properties: { '\udc00': 1 } }),
        ],
      }),
    });
    expect(batch.status).toBe(400);
    expect(((await batch.json()) as { errors: Array<{ field: string }> }).errors).toEqual([
      { field: 'batch[3].properties.\\udc00', message: expect.stringMatching(/U\+DC00/) },
    ]);
    // All or nothing: not one of those events reached the topic.
    expect(await archivedOf(u)).toEqual([]);
  });

  it('accepts and archives the edge times through ingest', async () => {
    const u = `${sandbox().id}-ingest-edge`;
    const receivedSoon = new Date(Date.now() + 23 * 3_600_000).toISOString();
    for (const timestamp of [EVENT_TIME_WINDOW.from, receivedSoon]) {
      const response = await sendSegment(system().gatewayUrl, 'track', track(u, { timestamp }));
      expect(response.status, timestamp).toBe(200);
    }
    const rows = await eventually(async () => {
      const found = await archivedOf(u);
      return found.length === 2 ? found : undefined;
    });
    expect(rows.map((row) => row.timestamp.toISOString()).sort()).toEqual(
      [EVENT_TIME_WINDOW.from, receivedSoon].sort(),
    );
  });

  it('dead-letters every hostile record straight on the topic, and applies the edge ones', async () => {
    const u = `${sandbox().id}-raw`;
    const stamped = {
      messageId: 'm',
      timestamp: '2026-01-01T00:00:00.000Z',
      receivedAt: '2026-01-01T00:00:00.000Z',
    };
    const poison: Array<[string, string, RegExp]> = [
      [
        'nul-value',
        JSON.stringify(track(u, { ...stamped, properties: { note: 'a\u0000b' } })),
        /^unstorable value: properties\.note: contains U\+0000/,
      ],
      [
        'surrogate-key',
        JSON.stringify({ type: 'identify', userId: u, ...stamped, traits: { '\ud800': 1 } }),
        /^unstorable value: traits\.\\ud800: the key contains an unpaired UTF-16 surrogate/,
      ],
      [
        'surrogate-escape-uppercase',
        JSON.stringify(track(u, { ...stamped, event: 'X' })).replace('"X"', '"\\uD800"'),
        /^unstorable value: event: /,
      ],
      [
        'before-2000',
        JSON.stringify(track(u, { ...stamped, timestamp: '1999-12-31T23:59:59.999Z' })),
        /^event time out of window: timestamp: /,
      ],
      [
        'received-2100',
        JSON.stringify(track(u, { ...stamped, receivedAt: EVENT_TIME_WINDOW.to })),
        /^event time out of window: receivedAt: /,
      ],
      [
        'ahead',
        JSON.stringify(track(u, { ...stamped, timestamp: '2026-01-02T00:00:00.001Z' })),
        /^event time out of window: timestamp: may lie at most 24 hours after receivedAt/,
      ],
      [
        'unknown-type',
        JSON.stringify({ ...track(u, stamped), type: 'purchase' }),
        /^invalid event: type/,
      ],
      [
        'no-identity',
        JSON.stringify({ type: 'track', event: 'e', ...stamped }),
        /^invalid event: userId/,
      ],
      ['not-json', '{"type":"track",', /^not JSON: /],
    ];
    const edges = [
      {
        ...stamped,
        messageId: 'first',
        timestamp: EVENT_TIME_WINDOW.from,
        receivedAt: EVENT_TIME_WINDOW.from,
      },
      {
        ...stamped,
        messageId: 'last',
        timestamp: '2099-12-31T23:59:59.999Z',
        receivedAt: '2099-12-31T23:59:59.999Z',
      },
      { ...stamped, messageId: 'ahead', timestamp: '2026-01-02T00:00:00.000Z' },
    ];
    await produce([
      ...poison.map(([key, value]) => ({ key, value })),
      ...edges.map((fields) => ({ key: u, value: JSON.stringify(track(u, fields)) })),
    ]);

    const profile = await eventually(async () => {
      const found = await profileOf(u);
      return found?.eventCount === edges.length ? found : undefined;
    });
    expect(profile.eventCount).toBe(3);
    const rows = await eventually(async () => {
      const found = await archivedOf(u);
      return found.length === edges.length ? found : undefined;
    });
    expect(rows.map((row) => row.message_id).sort()).toEqual(['ahead', 'first', 'last']);
    expect(rows.map((row) => row.timestamp.toISOString()).sort()).toEqual([
      EVENT_TIME_WINDOW.from,
      '2026-01-02T00:00:00.000Z',
      '2099-12-31T23:59:59.999Z',
    ]);
    // Both consumers are past the poison now (the edge events were applied and archived): the
    // processor, which owns the events topic's dead letters, wrote one per record, with the
    // original bytes and the reason; the archiver skipped them, so none appears twice.
    const letters = await readTopic(
      sandbox(),
      sandbox().topics.deadLetter,
      (messages) => lettersBy(messages, 'processor').size >= poison.length,
    );
    const byKey = lettersBy(letters, 'processor');
    for (const [key, value, reason] of poison) {
      const letter = byKey.get(key);
      expect(letter?.value?.toString(), key).toBe(value);
      expect(letter?.headers?.[DEAD_LETTER_HEADERS.reason]?.toString(), key).toMatch(reason);
      expect(
        letters.filter((m) => m.key?.toString() === key),
        key,
      ).toHaveLength(1);
    }
    expect(byKey.has(u), 'an edge event was dead-lettered').toBe(false);
  });

  it('applies and archives a raw Segment event without receivedAt, messageId or timestamp', async () => {
    const u = `${sandbox().id}-outside`;
    const before = Date.now();
    const [position] = await produce([
      { key: u, value: JSON.stringify({ type: 'identify', userId: u, traits: { plan: 'pro' } }) },
    ]);
    const profile = await eventually(async () => {
      const found = await profileOf(u);
      return found?.eventCount === 1 ? found : undefined;
    });
    expect(profile.traits).toEqual({ plan: 'pro' });
    const [row] = await eventually(async () => {
      const found = await archivedOf(u);
      return found.length === 1 ? found : undefined;
    });
    // The messageId is the record's position, so processor, archiver and redeliveries agree.
    expect(row?.message_id).toBe(`kafka:${position?.partition}:${position?.offset}`);
    // receivedAt is the record's timestamp (set by the producer when it sent it), timestamp too.
    expect(row?.received_at.getTime()).toBeGreaterThanOrEqual(before - 1_000);
    expect(row?.received_at.getTime()).toBeLessThanOrEqual(Date.now());
    expect(row?.timestamp.getTime()).toBe(row?.received_at.getTime());
  });

  const mistake = (value: string) =>
    `${JSON.stringify(value)} is not an identifier (a value SDKs send by mistake)`;
  const MUTATION_RESULT = '{ ok messageId errors { field message } }';

  /**
   * Whether any record of the events topic is a call named `event`. A fence record is first
   * produced under each key such a call would have had (ingest keys by profile id), so once
   * every fence is read, the partitions it could be on were read past where it would be.
   */
  async function onTheTopic(event: string, keys: readonly string[]): Promise<boolean> {
    const fences = keys.map((key, i) => ({
      key,
      value: JSON.stringify(track(`${event}-fence-${i}`, { event: `${event} fence` })),
    }));
    await produceRaw(sandbox(), sandbox().topics.events, fences);
    const fenced = (m: KafkaMessage) =>
      fences.some((f) => m.key?.toString() === f.key && m.value?.toString() === f.value);
    const messages = await readTopic(
      sandbox(),
      sandbox().topics.events,
      (read) => read.filter(fenced).length >= fences.length,
    );
    // The topic holds this file's poison too: records that are not JSON match nothing.
    return messages.some((m) => {
      try {
        return (JSON.parse(m.value?.toString() ?? '') as { event?: unknown }).event === event;
      } catch {
        return false;
      }
    });
  }

  it('refuses a junk userId through ingest: 400 naming the field, nothing produced', async () => {
    const event = `${sandbox().id} junk single`;
    const response = await sendSegment(system().gatewayUrl, 'track', track('undefined', { event }));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      success: false,
      error: 'invalid event',
      errors: [{ field: 'userId', message: mistake('undefined') }],
    });
    // Every case and blank variant is refused the same way; a real id that contains a word is not.
    for (const userId of [' NULL ', 'NaN', '[object Object]', '0', '   ']) {
      const variant = await sendSegment(system().gatewayUrl, 'identify', { userId });
      expect(variant.status, userId).toBe(400);
      expect(((await variant.json()) as { errors: unknown }).errors, userId).toEqual([
        { field: 'userId', message: mistake(userId) },
      ]);
    }
    expect(await onTheTopic(event, ['undefined'])).toBe(false);
    expect(await profileOf('undefined')).toBeUndefined();
    expect(await archivedOf('undefined')).toEqual([]);
    // The same check sees an event ingest accepted: a real id that merely contains a word.
    const real = `${sandbox().id}-nullable`;
    const accepted = await sendSegment(system().gatewayUrl, 'track', track(real, { event: real }));
    expect(accepted.status).toBe(200);
    expect(await onTheTopic(real, [real])).toBe(true);
  });

  it('refuses a whole batch for one junk anonymousId', async () => {
    const u = `${sandbox().id}-junk-batch`;
    const event = `${u} batch`;
    const response = await fetch(`${system().gatewayUrl}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basicAuth('dev-write-key') },
      body: JSON.stringify({
        batch: [
          track(u, { event }),
          { type: 'track', anonymousId: 'null', event },
          track(u, { event }),
        ],
      }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: unknown }).errors).toEqual([
      { field: 'batch[1].anonymousId', message: mistake('null') },
    ]);
    expect(await onTheTopic(event, [u, 'null'])).toBe(false);
    expect(await profileOf(u)).toBeUndefined();
    expect(await archivedOf(u)).toEqual([]);
  });

  it('refuses a junk id through the GraphQL track mutation with field errors as data', async () => {
    const event = `${sandbox().id} junk mutation`;
    const answer = await system().query<{ track: unknown }>(
      `mutation ($t: TrackInput!) { track(input: $t) ${MUTATION_RESULT} }`,
      { t: { userId: 'Undefined', event } },
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.track).toEqual({
      ok: false,
      messageId: null,
      errors: [{ field: 'userId', message: mistake('Undefined') }],
    });
    expect(await onTheTopic(event, ['Undefined'])).toBe(false);
  });

  it('dead-letters a junk id produced straight to the topic with the reason', async () => {
    const u = `${sandbox().id}-junk-raw`;
    const poison: Array<[string, Record<string, unknown>, RegExp]> = [
      [
        `${u}-user`,
        track('undefined'),
        /^junk identifier: userId: "undefined" is not an identifier \(a value SDKs send by mistake\)$/,
      ],
      [
        `${u}-anonymous`,
        { type: 'page', anonymousId: ' [object object] ' },
        /^junk identifier: anonymousId: " \[object object\] "/,
      ],
      [
        `${u}-alias`,
        { type: 'alias', userId: u, previousId: 'NaN' },
        /^junk identifier: previousId: "NaN"/,
      ],
      [`${u}-group`, { type: 'group', userId: u, groupId: '0' }, /^junk identifier: groupId: "0"/],
    ];
    // Each poison record is followed by a valid one under the same key (so on the same
    // partition): once those are applied and archived, both consumers are past the poison.
    await produce(
      poison.flatMap(([key, value], i) => [
        { key, value: JSON.stringify(value) },
        { key, value: JSON.stringify(track(`${u}-after-${i}`)) },
      ]),
    );
    for (const [i] of poison.entries()) {
      await eventually(async () => ((await profileOf(`${u}-after-${i}`)) ? true : undefined));
      await eventually(async () =>
        (await archivedOf(`${u}-after-${i}`)).length === 1 ? true : undefined,
      );
    }
    const letters = await readTopic(sandbox(), sandbox().topics.deadLetter, (messages) =>
      poison.every(([key]) => lettersBy(messages, 'processor').has(key)),
    );
    const byKey = lettersBy(letters, 'processor');
    for (const [key, value, reason] of poison) {
      const letter = byKey.get(key);
      expect(letter?.value?.toString(), key).toBe(JSON.stringify(value));
      expect(letter?.headers?.[DEAD_LETTER_HEADERS.reason]?.toString(), key).toMatch(reason);
    }
    for (const id of ['undefined', ' [object object] ']) {
      expect(await profileOf(id), id).toBeUndefined();
      expect(await archivedOf(id), id).toEqual([]);
    }
    // The alias and group events were not applied to the real user either.
    expect(await profileOf(u)).toBeUndefined();
  });

  it('refuses a word added to ingest.junkIdentifiers in the config service from then on', async () => {
    const before = await sendSegment(system().gatewayUrl, 'identify', { userId: 'guest' });
    expect(before.status).toBe(200);
    const result = await setConfig(system(), {
      application: 'gateway',
      values: {
        ingest: { junkIdentifiers: ['undefined', 'null', 'NaN', '0', '[object Object]', 'guest'] },
      },
      message: 'Refuse guest ids',
    });
    expect(result).toMatchObject({ ok: true, changed: ['ingest.junkIdentifiers'] });
    const refused = await eventually(async () => {
      const response = await sendSegment(system().gatewayUrl, 'identify', { userId: ' Guest' });
      return response.status === 400 ? response : undefined;
    });
    expect(((await refused.json()) as { errors: unknown }).errors).toEqual([
      { field: 'userId', message: mistake(' Guest') },
    ]);
    // The defaults are still in the list.
    expect((await sendSegment(system().gatewayUrl, 'identify', { userId: 'null' })).status).toBe(
      400,
    );
  });

  it('afterwards still applies, archives and snapshots a fresh event of another user, and every service is ready', async () => {
    const u = `${sandbox().id}-fresh`;
    const response = await sendSegment(system().gatewayUrl, 'identify', {
      userId: u,
      traits: { plan: 'team' },
    });
    expect(response.status).toBe(200);
    await eventually(async () => ((await profileOf(u))?.eventCount === 1 ? true : undefined));
    await eventually(async () => ((await archivedOf(u)).length === 1 ? true : undefined));
    const snapshot = await eventually(async () => {
      const [found] = await archive.query<{ version: number }>(
        'select version from profiles where profile_id = $1',
        [u],
      );
      return found;
    });
    expect(Number(snapshot.version)).toBe(1);
    for (const [name, service] of Object.entries(system().services)) {
      const ready = await fetch(`http://127.0.0.1:${service.http.port()}/ready`);
      expect(ready.status, `${name} /ready`).toBe(200);
    }
  });
});

/** The dead letters one consumer wrote, by the original record's key. */
function lettersBy(messages: KafkaMessage[], consumer: string): Map<string, KafkaMessage> {
  return new Map(
    messages
      .filter((m) => m.headers?.[DEAD_LETTER_HEADERS.failedBy]?.toString() === consumer)
      .map((m) => [m.key?.toString() ?? '', m]),
  );
}

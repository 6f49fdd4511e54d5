import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveRows } from '../archiver/archive-rows.ts';
import { createPartitionKeeper } from '../archiver/partitions.ts';
import { createLogger } from '../lib/logger.ts';
import { createPostgresComponent } from '../lib/postgres.ts';
import { toEventRow } from '../schema/db/event-row.ts';
import type { EventRow } from '../schema/db/tables.ts';
import { archiveProbe, type ArchiveProbe } from './support/archive.ts';
import { eventually, sendSegment } from './support/http.ts';
import { syntheticEvents } from './support/event-stream.ts';
import { committedAndEnd, readTopic } from './support/kafka.ts';
import { useSystem } from './support/use-system.ts';

/**
 * A client resending an event (its SDK retrying after a timeout) through ingest: the archive
 * holds it once and the profile counts it once, whatever timestamps the copies carry.
 */
describe('cold path: a retried messageId is archived and counted once', () => {
  const { sandbox, system } = useSystem({ partitions: 1 });
  let archive: ArchiveProbe;
  let postgres: ReturnType<typeof createPostgresComponent>;

  const track = async (body: Record<string, unknown>) => {
    const response = await sendSegment(system().gatewayUrl, 'track', body);
    expect(await response.json()).toEqual({ success: true });
  };
  const batch = async (events: Array<Record<string, unknown>>) => {
    const response = await sendSegment(system().gatewayUrl, 'batch', { batch: events });
    expect(await response.json()).toEqual({ success: true });
  };
  const rowsOf = async (messageId: string) =>
    archive.query<{ profile_id: string; timestamp: Date; received_at: Date }>(
      'select profile_id, timestamp, received_at from events where message_id = $1',
      [messageId],
    );
  const keysOf = async (messageId: string) =>
    archive.query<{ profile_id: string }>(
      'select profile_id from event_keys where message_id = $1',
      [messageId],
    );
  const eventCount = async (id: string) => {
    const answer = await system().query<{ profile: { eventCount: number } | null }>(
      'query ($id: ID!) { profile(id: $id) { eventCount } }',
      { id },
    );
    return answer.data?.profile?.eventCount;
  };
  /** Both consumers have committed everything on the topic: every copy was handled. */
  const drained = () =>
    eventually(async () => {
      for (const group of ['processor', 'archiver']) {
        const { committed, end } = await committedAndEnd(
          sandbox(),
          `${sandbox().id}-${group}`,
          sandbox().topics.events,
        );
        if (JSON.stringify(committed) !== JSON.stringify(end)) return undefined;
      }
      return true;
    }, 60_000);
  /** The copies of a message on the events topic, as ingest stamped them. */
  const onTopic = async (messageId: string, copies: number) =>
    (
      await readTopic(
        sandbox(),
        sandbox().topics.events,
        (messages) =>
          messages.filter((m) => m.value?.toString().includes(messageId)).length >= copies,
      )
    )
      .map((m) => JSON.parse(m.value?.toString() ?? '{}') as Record<string, string>)
      .filter((event) => event['messageId'] === messageId);

  beforeAll(async () => {
    archive = archiveProbe(sandbox());
    postgres = createPostgresComponent(sandbox().databaseUrl, 2);
  });
  afterAll(async () => {
    await postgres?.stop();
    await archive?.close();
  });

  it('keeps one row for a retry without a timestamp, sent after the first was archived', async () => {
    const userId = `${sandbox().id}-notime`;
    const messageId = `${userId}-m1`;
    await track({ userId, messageId, event: 'Signed Up' });
    await eventually(async () => ((await rowsOf(messageId)).length === 1 ? true : undefined));
    const [first] = await rowsOf(messageId);
    await eventually(async () => ((await eventCount(userId)) === 1 ? true : undefined));

    await track({ userId, messageId, event: 'Signed Up' });
    // Ingest stamped the retry with its own receipt time: the old (message_id, timestamp) key
    // would have stored it again.
    const copies = await onTopic(messageId, 2);
    expect(new Set(copies.map((event) => event['timestamp'])).size).toBe(2);
    await drained();

    expect(await rowsOf(messageId)).toEqual([first]);
    expect(await keysOf(messageId)).toEqual([{ profile_id: userId }]);
    expect(await eventCount(userId)).toBe(1);
  });

  it('keeps the first copy when the retry carries another timestamp and sentAt', async () => {
    const userId = `${sandbox().id}-times`;
    const messageId = `${userId}-m1`;
    const timestamp = '2026-11-20T10:00:00.000Z';
    await track({ userId, messageId, event: 'Ordered', timestamp });
    await eventually(async () => ((await rowsOf(messageId)).length === 1 ? true : undefined));
    const [first] = await rowsOf(messageId);

    // A month later by its own clock, and with a client clock skew that ingest corrects.
    await track({
      userId,
      messageId,
      event: 'Ordered',
      timestamp: '2026-10-20T10:00:00.000Z',
      sentAt: '2026-10-20T10:00:05.000Z',
    });
    const copies = await onTopic(messageId, 2);
    expect(copies.map((event) => event['timestamp'])).toEqual([timestamp, expect.any(String)]);
    expect(copies[1]?.['timestamp']).not.toBe(timestamp);
    await drained();

    expect(await rowsOf(messageId)).toEqual([first]);
    expect(first?.timestamp.toISOString()).toBe(timestamp);
    expect(await eventCount(userId)).toBe(1);
  });

  it('keeps one row for copies within one batch, and one per profile for a shared messageId', async () => {
    const userId = `${sandbox().id}-batch`;
    const anonymousId = `${sandbox().id}-anon`;
    const messageId = `${sandbox().id}-shared`;
    await batch([
      { type: 'track', userId, messageId, event: 'Viewed' },
      { type: 'track', userId, messageId, event: 'Viewed', timestamp: '2026-11-02T00:00:00Z' },
      // Another profile: another event, though its client reused the messageId.
      { type: 'track', anonymousId, messageId, event: 'Viewed' },
    ]);
    await onTopic(messageId, 3);
    await drained();

    const rows = await rowsOf(messageId);
    expect(rows.map((row) => row.profile_id).sort()).toEqual([anonymousId, userId].sort());
    expect(await eventCount(userId)).toBe(1);
    expect(await eventCount(anonymousId)).toBe(1);
  });

  describe('the batch write (archiveRows)', () => {
    const keeper = () =>
      createPartitionKeeper(
        postgres.db,
        { aheadMonths: 0, retentionMonths: 0, checkIntervalMs: 3_600_000 },
        createLogger('retries-test', 'warn'),
      );
    /** Rows of `count` events of one profile, at Kafka offsets from `offset` on. */
    const rowsFor = (tag: string, count: number, offset = 0): EventRow[] =>
      syntheticEvents(0, count, 1, tag).map((event, i) => toEventRow(event, 0, offset + i));
    const stored = async (tag: string) =>
      archive.query<{ message_id: string; source_offset: string }>(
        `select message_id, source_offset from events where message_id like $1 || '%'
         order by message_id`,
        [tag],
      );

    it('skips the stored events of a redelivered batch and stores the new ones', async () => {
      const tag = `${sandbox().id}-redelivered`;
      const partitions = keeper();
      const first = rowsFor(tag, 3);
      expect(await archiveRows(postgres, partitions, first)).toEqual({
        inserted: 3,
        duplicates: 0,
        rejected: [],
      });
      // The same events again at new offsets and with new timestamps (a client's retry), and
      // one new event: COPY fails on the keys, the insert that skips stored keys takes over.
      const again = rowsFor(tag, 4, 100).map((row) => ({
        ...row,
        timestamp: '2026-11-30T00:00:00.000Z',
      }));
      expect(await archiveRows(postgres, partitions, again)).toEqual({
        inserted: 1,
        duplicates: 3,
        rejected: [],
      });
      expect((await stored(tag)).map((row) => Number(row.source_offset))).toEqual([0, 1, 2, 103]);
    });

    it('stores the first copy of an event the batch holds twice', async () => {
      const tag = `${sandbox().id}-twice`;
      const [a, b] = rowsFor(tag, 2);
      const retry = { ...(a as EventRow), sourceOffset: 2, timestamp: '2026-11-29T00:00:00.000Z' };
      expect(await archiveRows(postgres, keeper(), [a as EventRow, b as EventRow, retry])).toEqual({
        inserted: 2,
        duplicates: 1,
        rejected: [],
      });
      expect((await stored(tag)).map((row) => Number(row.source_offset))).toEqual([0, 1]);
    });

    it('stores the next copy when PostgreSQL refuses the first, and leaves no key of a refused row', async () => {
      const tag = `${sandbox().id}-refused`;
      const [good] = rowsFor(tag, 1, 1);
      // A NUL character is valid JSON but can never be stored in jsonb.
      const poisoned = { ...(good as EventRow), sourceOffset: 0, properties: { note: 'a\u0000b' } };
      const [lonely] = rowsFor(`${tag}-lonely`, 1, 2);
      const lonelyPoisoned = { ...(lonely as EventRow), properties: { note: 'a\u0000b' } };
      const outcome = await archiveRows(postgres, keeper(), [
        poisoned,
        good as EventRow,
        lonelyPoisoned,
      ]);
      expect(outcome).toMatchObject({ inserted: 1, duplicates: 0 });
      expect(outcome.rejected.map((refused) => refused.offset)).toEqual([0, 2]);
      expect((await stored(tag)).map((row) => Number(row.source_offset))).toEqual([1]);
      expect(
        await archive.query(`select 1 from event_keys where message_id like $1 || '%'`, [
          `${tag}-lonely`,
        ]),
      ).toEqual([]);
    });
  });
});

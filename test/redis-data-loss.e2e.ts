// The short version of the "Redis loses its data" chaos scenario, plus the
// processor's restore on its own: Redis restarted empty, from its AOF and from an older backup.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildService } from './support/child-service.ts';
import { eventStream } from './support/event-stream.ts';
import { eventually } from './support/http.ts';
import { createSandbox, type Sandbox } from './support/isolation.ts';
import { produceEvents, produceRaw } from './support/kafka.ts';
import { countersMismatch, spawnProcessor } from './support/processor.ts';
import { sandboxProfiles } from './support/profiles.ts';
import { redisDataLossScenario } from '../chaos/scenarios/redis-data-loss.ts';
import { startOwnRedis, type OwnRedis } from './support/redis-server.ts';
import { segmentMembersIn } from './support/segment-members.ts';
import { expectShortScenarioKept } from './support/chaos.ts';

const PROFILES = 30;
const EVENTS = 3_000; // 100 per profile, ten times the message-id window below
const MESSAGE_ID_WINDOW = '10';

describe('processor: restores the profiles from the changelog when Redis loses them', () => {
  let redis: OwnRedis;
  let sandbox: Sandbox;
  let profiles: ReturnType<typeof sandboxProfiles>;
  let processor: ChildService | undefined;

  beforeAll(async () => {
    redis = await startOwnRedis();
    const shared = await createSandbox({ partitions: 3 });
    // Everything of this sandbox in our own redis-server, which this file kills.
    sandbox = { ...shared, redisUrl: redis.url, dispose: () => shared.dispose() };
    profiles = sandboxProfiles(sandbox, { messageIdWindow: Number(MESSAGE_ID_WINDOW) });
    profiles.redis.on('error', () => undefined); // refused while Redis is down
  });
  afterAll(async () => {
    await processor?.stop();
    profiles?.close();
    await sandbox?.dispose();
    await redis?.dispose();
  });

  /** The stream's first `count` events (the stream is deterministic) and their counters. */
  const firstEvents = (count: number) => eventStream(sandbox.id, count, PROFILES);

  async function exactAfter(count: number): Promise<void> {
    const { expected } = firstEvents(count);
    await eventually(
      async () => ((await countersMismatch(profiles, expected)).length === 0 ? true : undefined),
      90_000,
      100,
    ).catch(async (error: unknown) => {
      const wrong = await countersMismatch(profiles, expected).catch(() => []);
      throw new Error(`${String(error)}\n${wrong.slice(0, 5).join('\n')}\n${processor?.output()}`);
    });
  }

  async function restores(): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${processor?.port}/metrics`)).text();
    return [...text.matchAll(/^pulsehub_processor_state_restores_total\{[^}]*\} (\d+)$/gm)].reduce(
      (sum, match) => sum + Number(match[1]),
      0,
    );
  }

  const identified = () => segmentMembersIn(profiles.redis, profiles.layout, 'identified');
  const ids = () => [...firstEvents(PROFILES).expected.keys()].sort();

  it('counts exactly after Redis restarts empty, and after it restarts from an older backup', async () => {
    const { events } = firstEvents(EVENTS);
    processor = await spawnProcessor(sandbox, {
      LIMITS_MESSAGE_ID_WINDOW: MESSAGE_ID_WINDOW,
      // Only writes notice here (no idle checks), so each step below is deterministic.
      STATE_CHECK_INTERVAL_MS: '600000',
    });
    // An empty Redis has no marker: the first start restores (an empty changelog).
    const atStart = await restores();
    expect(atStart).toBe(1);
    await produceEvents(sandbox, events.slice(0, 1_000));
    await exactAfter(1_000);
    await redis.backup('at-1000');
    await produceEvents(sandbox, events.slice(1_000, 2_000));
    await exactAfter(2_000);

    await redis.kill();
    await redis.wipe();
    await redis.restart();
    await produceEvents(sandbox, events.slice(2_000, 2_500));
    await exactAfter(2_500);
    expect(await restores()).toBe(atStart + 1);
    expect((await identified()).sort()).toEqual(ids());

    // Back to the files of 1,000 events ago: every profile is older than what was committed.
    await redis.kill();
    await redis.restoreBackup('at-1000');
    await redis.restart();
    await produceEvents(sandbox, events.slice(2_500));
    await exactAfter(EVENTS);
    expect(await restores()).toBe(atStart + 2);
    expect((await identified()).sort()).toEqual(ids());
  }, 240_000);

  it("still drops a client's retry after Redis comes back empty: the dedupe window is restored too", async () => {
    const { events, expected } = firstEvents(EVENTS);
    const [id = ''] = ids();
    // The profile's last events, within its window of 10, sent again as a retrying client
    // would (same messageIds, new offsets), then one new event to tell when they were read.
    const retried = events.filter((event) => event.userId === id).slice(-5);
    const marker = eventStream(`${sandbox.id}-retry`, 1, 1).events[0];
    if (marker === undefined || retried.length < 5) throw new Error('no events');
    const before = await restores();
    await redis.kill();
    await redis.wipe();
    await redis.restart();
    await produceEvents(sandbox, [...retried, { ...marker, userId: id }]);
    const want = expected.get(id)?.eventCount ?? 0;
    const after = await eventually(async () => {
      const [stored] = await profiles.store.readMany([id]);
      return stored !== undefined && stored.profile.eventCount > want ? stored : undefined;
    }, 60_000);
    expect(await restores()).toBe(before + 1);
    expect(after.profile.eventCount).toBe(want + 1);
    expect(after.recentMessageIds).toHaveLength(Number(MESSAGE_ID_WINDOW));
    const others = new Map([...expected].filter(([other]) => other !== id));
    expect(await countersMismatch(profiles, others)).toEqual([]);
  }, 120_000);

  it('does not bring back a deleted profile that an older backup still holds', async () => {
    const [deleted = '', ...kept] = ids();
    await redis.backup('before-deletion');
    // What deleteProfile does: the Redis copy and its memberships, then the tombstone.
    await profiles.redis.unlink(profiles.layout.profile(deleted));
    await profiles.redis.srem(profiles.layout.segmentMembersOf('identified', deleted), deleted);
    await produceRaw(sandbox, sandbox.topics.changelog, [{ key: deleted, value: null }]);

    await redis.kill();
    await redis.restoreBackup('before-deletion');
    await redis.restart();
    expect(await profiles.redis.exists(profiles.layout.profile(deleted))).toBe(1);
    const before = await restores();
    // The next write (any profile's) finds the state lost and restores it.
    const next = eventStream(`${sandbox.id}-after`, 1, 1).events[0];
    if (next === undefined) throw new Error('no event');
    await produceEvents(sandbox, [{ ...next, userId: kept[0] ?? '' }]);
    await eventually(async () => ((await restores()) > before ? true : undefined), 60_000);
    expect(await profiles.redis.exists(profiles.layout.profile(deleted))).toBe(0);
    expect((await identified()).sort()).toEqual(kept);
  }, 120_000);
  it('restores again, and adopts the epoch, when another processor restored the state', async () => {
    const before = await restores();
    // What another processor's restore leaves: the marker of this Redis with a new epoch.
    await profiles.redis.hset(profiles.layout.stateMarker, 'epoch', 'another-processor');
    const [id = ''] = ids().slice(1);
    const event = eventStream(`${sandbox.id}-epoch`, 1, 1).events[0];
    if (event === undefined) throw new Error('no event');
    const count = (await profiles.store.readMany([id]))[0]?.profile.eventCount ?? 0;
    await produceEvents(sandbox, [{ ...event, userId: id }]);
    await eventually(async () =>
      (await profiles.store.readMany([id]))[0]?.profile.eventCount === count + 1 ? true : undefined,
    );
    expect(await restores()).toBe(before + 1);
    // Adopted, not replaced: a new epoch would send the other processor restoring in turn.
    expect(await profiles.redis.hget(profiles.layout.stateMarker, 'epoch')).toBe(
      'another-processor',
    );
  }, 120_000);
  it("restores an idle processor's profiles without waiting for an event", async () => {
    await processor?.stop();
    processor = await spawnProcessor(sandbox, { STATE_CHECK_INTERVAL_MS: '500' });
    // Every profile but the one deleted above.
    const present = (await profiles.store.readMany(ids()))
      .filter((stored) => stored !== undefined)
      .map((stored) => stored.profile.id);
    expect(present).toHaveLength(PROFILES - 1);
    const before = await profiles.store.readMany(present);
    await redis.kill();
    await redis.wipe();
    await redis.restart();
    // Nothing is produced: the periodic check notices the missing marker and restores.
    const restored = await eventually(async () => {
      const now = await profiles.store.readMany(present);
      return now.every((stored) => stored !== undefined) ? now : undefined;
    }, 60_000);
    expect(restored).toEqual(before);
    // Counted once the restore is complete, which is a little after its last profile write.
    await eventually(async () => ((await restores()) >= 1 ? true : undefined), 30_000);
  }, 120_000);
});

describe('chaos: Redis loses its data (short)', () => {
  it('counts every acknowledged event exactly once after Redis comes back empty, from its AOF and from an older backup', async () => {
    await expectShortScenarioKept(redisDataLossScenario, 4_000);
  }, 240_000);
});

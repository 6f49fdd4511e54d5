import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/http.ts';
import { createSandbox, type Sandbox } from './support/isolation.ts';
import { eventStream } from './support/event-stream.ts';
import { produceEvents, readTopic } from './support/kafka.ts';
import { sandboxProfiles } from './support/profiles.ts';
import type { ChildService } from './support/child-service.ts';
import { countersMismatch, randomBetween, spawnProcessor } from './support/processor.ts';
import { segmentMembersIn, segmentSize } from './support/segment-members.ts';
import { parseChangelogKey } from '../profiles/changelog-keys.ts';
import { windowOf } from '../profiles/message-id-ring.ts';
import { parseStoredProfile, type StoredProfile } from '../schema/profile.ts';

const EVENTS = 50_000;
const PROFILES = 500;
const WAVES = 5;
/**
 * Fetches of 64 KiB (a few hundred events) rather than the production 8 MiB: a wave then spans
 * many batches, so a kill lands between batches of the same wave, not after a whole wave.
 */
const SMALL_FETCH = { CONSUMER_MAX_BYTES_PER_PARTITION: String(64 * 1024) };

describe('hot path: exact counters while the processor is SIGKILLed and restarted', () => {
  let sandbox: Sandbox;
  let profiles: ReturnType<typeof sandboxProfiles>;
  let processor: ChildService | undefined;

  beforeAll(async () => {
    sandbox = await createSandbox({ partitions: 3 });
    profiles = sandboxProfiles(sandbox);
  });
  afterAll(async () => {
    await processor?.stop();
    profiles?.close();
    await sandbox?.dispose();
  });

  /** Events applied so far: the sum of the profiles' versions (one per applied event). */
  async function appliedSoFar(): Promise<number> {
    const versions = await Promise.all(
      Array.from({ length: PROFILES }, (_, i) =>
        profiles.redis.hget(profiles.layout.profile(`${sandbox.id}-u${i}`), 'version'),
      ),
    );
    return versions.reduce((sum, version) => sum + Number(version ?? 0), 0);
  }

  it(`applies ${EVENTS} events over ${PROFILES} profiles exactly once across ${WAVES - 1} kills`, async () => {
    const { events, expected } = eventStream(sandbox.id, EVENTS, PROFILES);
    const perWave = EVENTS / WAVES;
    processor = await spawnProcessor(sandbox, SMALL_FETCH);
    let kills = 0;
    let killedMidStream = 0;
    for (let wave = 0; wave < WAVES; wave++) {
      await produceEvents(sandbox, events.slice(wave * perWave, (wave + 1) * perWave));
      if (wave === WAVES - 1) break;
      // A random moment while the processor works through the wave just produced: once a
      // random share (10-60 %) of it is applied.
      const target = wave * perWave + randomBetween(perWave / 10, (perWave * 6) / 10);
      await eventually(
        async () => ((await appliedSoFar()) >= target ? true : undefined),
        120_000,
        50,
      );
      await processor.kill();
      kills += 1;
      if ((await appliedSoFar()) < (wave + 1) * perWave) killedMidStream += 1;
      processor = await spawnProcessor(sandbox, SMALL_FETCH);
    }
    expect(kills).toBeGreaterThanOrEqual(3);
    expect(killedMidStream, 'kills that left produced events unapplied').toBeGreaterThanOrEqual(3);

    const wrong = await eventually(
      async () => {
        const mismatches = await countersMismatch(profiles, expected);
        return mismatches.length === 0 ? mismatches : undefined;
      },
      240_000,
      1_000,
    ).catch(async (error: unknown) => {
      const mismatches = await countersMismatch(profiles, expected);
      throw new Error(
        `${String(error)}\n${mismatches.slice(0, 5).join('\n')}\n${processor?.output()}`,
      );
    });
    expect(wrong).toEqual([]);

    // The changelog holds, as the latest records per profile, what Redis has: the document,
    // and the chunks of its dedupe window (ADR 0014).
    const stored = await profiles.store.readMany([...expected.keys()]);
    const documents = new Map<string, StoredProfile>();
    const chunks = new Map<string, Map<number, string | null>>();
    await readTopic(
      sandbox,
      sandbox.topics.changelog,
      (messages) => {
        for (const message of messages.splice(0)) {
          const { id, slot } = parseChangelogKey(message.key?.toString() ?? '');
          const value = message.value?.toString() ?? null;
          if (slot !== undefined) chunks.set(id, (chunks.get(id) ?? new Map()).set(slot, value));
          else if (value !== null) documents.set(id, parseStoredProfile(id, value));
        }
        return stored.every(
          (s) => s && documents.get(s.profile.id)?.profile.version === s.profile.version,
        );
      },
      120_000,
    );
    for (const snapshot of stored) {
      const id = snapshot?.profile.id ?? '';
      const document = documents.get(id);
      const window = windowOf([...(chunks.get(id)?.values() ?? [])], document?.messageIdCount ?? 0);
      expect(document && { ...document, recentMessageIds: window }).toEqual(snapshot);
    }
  }, 600_000);
});

describe('hot path: a redelivered batch repairs the segment sets a crash left behind', () => {
  let sandbox: Sandbox;
  let profiles: ReturnType<typeof sandboxProfiles>;
  let processor: ChildService | undefined;

  beforeAll(async () => {
    sandbox = await createSandbox({ partitions: 2 });
    profiles = sandboxProfiles(sandbox);
  });
  afterAll(async () => {
    await processor?.stop();
    profiles?.close();
    await sandbox?.dispose();
  });

  it('puts every profile back into its segment set when its events are read again', async () => {
    const { events, expected } = eventStream(sandbox.id, 400, 40);
    const ids = [...expected.keys()].sort();
    const settled = () =>
      eventually(
        async () => {
          const exact = (await countersMismatch(profiles, expected)).length === 0;
          return exact &&
            (await segmentSize(profiles.redis, profiles.layout, 'identified')) === ids.length
            ? true
            : undefined;
        },
        60_000,
        50,
      );
    await produceEvents(sandbox, events);
    processor = await spawnProcessor(sandbox);
    await settled();
    await processor.stop();
    const versions = (await profiles.store.readMany(ids)).map((s) => s?.profile.version);

    // What a crash between the profile writes and the segment-set sync leaves behind.
    await Promise.all(
      profiles.layout.segmentMemberShards('identified').map((key) => profiles.redis.del(key)),
    );
    processor = await spawnProcessor(sandbox, { CONSUMER_GROUP_ID: `${sandbox.id}-redelivery` });
    await settled();

    expect(await segmentMembersIn(profiles.redis, profiles.layout, 'identified')).toEqual(ids);
    // Read again, counted once: the redelivery changed no profile.
    expect((await profiles.store.readMany(ids)).map((s) => s?.profile.version)).toEqual(versions);
  }, 120_000);
});

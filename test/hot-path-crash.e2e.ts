import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/http.ts';
import { createSandbox, type Sandbox } from './support/isolation.ts';
import { eventStream } from './support/event-stream.ts';
import { produceEvents, readTopic } from './support/kafka.ts';
import { sandboxProfiles } from './support/profiles.ts';
import type { ChildService } from './support/child-service.ts';
import { countersMismatch, randomBetween, spawnProcessor } from './support/processor.ts';
import type { StoredProfile } from '../schema/profile.ts';

const EVENTS = 50_000;
const PROFILES = 500;
const WAVES = 5;

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
    const pipeline = profiles.redis.pipeline();
    for (let i = 0; i < PROFILES; i++)
      pipeline.hget(profiles.layout.profile(`${sandbox.id}-u${i}`), 'version');
    const results = (await pipeline.exec()) ?? [];
    return results.reduce((sum, [, version]) => sum + Number(version ?? 0), 0);
  }

  it(`applies ${EVENTS} events over ${PROFILES} profiles exactly once across ${WAVES - 1} kills`, async () => {
    const { events, expected } = eventStream(sandbox.id, EVENTS, PROFILES);
    const perWave = EVENTS / WAVES;
    processor = await spawnProcessor(sandbox);
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
      processor = await spawnProcessor(sandbox);
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

    // The changelog holds, as the latest record per profile, the snapshot Redis has.
    const stored = await profiles.store.readMany([...expected.keys()]);
    const latest = new Map<string, StoredProfile>();
    await readTopic(
      sandbox,
      sandbox.topics.changelog,
      (messages) => {
        for (const message of messages.splice(0)) {
          const snapshot = JSON.parse(message.value?.toString() ?? '{}') as StoredProfile;
          latest.set(message.key?.toString() ?? '', snapshot);
        }
        return stored.every(
          (s) => s && latest.get(s.profile.id)?.profile.version === s.profile.version,
        );
      },
      120_000,
    );
    for (const snapshot of stored) expect(latest.get(snapshot?.profile.id ?? '')).toEqual(snapshot);
  }, 600_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildService } from './support/child-service.ts';
import { eventStream } from './support/event-stream.ts';
import { eventually } from './support/http.ts';
import { createSandbox, type Sandbox } from './support/isolation.ts';
import { produceEvents } from './support/kafka.ts';
import { appliedBy, countersMismatch, spawnProcessor } from './support/processor.ts';
import { sandboxProfiles } from './support/profiles.ts';

const EVENTS = 50_000;
const PROFILES = 500;
const WAVES = 10;

describe('hot path scale-out: two processors share the partitions', () => {
  let sandbox: Sandbox;
  let profiles: ReturnType<typeof sandboxProfiles>;
  const running: ChildService[] = [];

  beforeAll(async () => {
    sandbox = await createSandbox({ partitions: 6 });
    profiles = sandboxProfiles(sandbox);
  });
  afterAll(async () => {
    for (const processor of running) await processor.stop();
    profiles?.close();
    await sandbox?.dispose();
  });

  it('counts exactly when one of two instances is stopped halfway through the stream', async () => {
    const { events, expected } = eventStream(sandbox.id, EVENTS, PROFILES);
    const perWave = EVENTS / WAVES;
    const first = await spawnProcessor(sandbox);
    running.push(first);
    const second = await spawnProcessor(sandbox);
    running.push(second);

    let appliedBySecond = 0;
    for (let wave = 0; wave < WAVES; wave++) {
      await produceEvents(sandbox, events.slice(wave * perWave, (wave + 1) * perWave));
      if (wave === WAVES / 2 - 1) {
        // Both members must have taken part before one leaves in the middle of the stream.
        await eventually(async () => ((await appliedBy(second)) > 0 ? true : undefined), 60_000);
        appliedBySecond = await appliedBy(second);
        expect(await second.stop(), second.output()).toBe(0);
        running.splice(running.indexOf(second), 1);
      }
    }

    await eventually(
      async () => ((await countersMismatch(profiles, expected)).length === 0 ? true : undefined),
      240_000,
      1_000,
    ).catch(async (error: unknown) => {
      const mismatches = await countersMismatch(profiles, expected);
      throw new Error(`${String(error)}\n${mismatches.slice(0, 5).join('\n')}`);
    });
    expect(appliedBySecond).toBeGreaterThan(0);
    expect(appliedBySecond).toBeLessThan(EVENTS);
    expect(await appliedBy(first)).toBeGreaterThan(0);
  }, 600_000);
});

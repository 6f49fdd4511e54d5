import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildService } from './support/child-service.ts';
import { eventStream } from './support/event-stream.ts';
import { eventually } from './support/http.ts';
import { createSandbox, type Sandbox } from './support/isolation.ts';
import { produceEvents } from './support/kafka.ts';
import { appliedBy, countersMismatch, spawnProcessor } from './support/processor.ts';
import { sandboxProfiles } from './support/profiles.ts';
import { segmentMembersIn, segmentSize } from './support/segment-members.ts';

const EVENTS = 12_000;
const PROFILES = 120;
/**
 * A message-id window far smaller than each profile's 100 events, so a redelivered event is
 * recognised by the profile's partition watermark, not by its remembered messageId: what a
 * zombie instance racing its successor tests.
 */
const SETTINGS = {
  CONSUMER_MAX_BYTES_PER_PARTITION: String(32 * 1024), // many small batches
  LIMITS_MESSAGE_ID_WINDOW: '5',
};

/**
 * A processor frozen (SIGSTOP) past its group session timeout loses its partitions to a second
 * instance; thawed (SIGCONT), it finishes the batch it held — a zombie writing what its
 * successor also applies — and then rejoins the group. Nothing may be counted twice or lost,
 * and the segment sets must hold exactly the profiles that belong to them.
 */
describe('hot path: a processor frozen past its session, then thawed beside its successor', () => {
  let sandbox: Sandbox;
  let profiles: ReturnType<typeof sandboxProfiles>;
  const processors: ChildService[] = [];

  beforeAll(async () => {
    sandbox = await createSandbox({ partitions: 3 });
    profiles = sandboxProfiles(sandbox);
  });
  afterAll(async () => {
    for (const processor of processors) {
      processor.process.kill('SIGCONT');
      await processor.stop();
    }
    profiles?.close();
    await sandbox?.dispose();
  });

  it('counts every event once and keeps the segment sets exact', async () => {
    const { events, expected } = eventStream(sandbox.id, EVENTS, PROFILES);
    const frozen = await spawnProcessor(sandbox, SETTINGS);
    processors.push(frozen);
    const half = EVENTS / 2;
    await produceEvents(sandbox, events.slice(0, half));
    // Freeze it in the middle of its work: some of the first half applied, not all.
    await eventually(
      async () => ((await appliedBy(frozen)) >= half / 4 ? true : undefined),
      60_000,
      20,
    );
    frozen.process.kill('SIGSTOP');

    // The successor gets partitions only once the frozen member's 6 s session has expired:
    // the group cannot finish rebalancing while a member it still counts is silent.
    const successor = await spawnProcessor(sandbox, SETTINGS);
    processors.push(successor);
    await produceEvents(sandbox, events.slice(half));
    await eventually(
      async () => ((await appliedBy(successor)) > 0 ? true : undefined),
      60_000,
      100,
    );

    // Thawed: it resumes the batch it held when frozen, then finds itself out of the group.
    frozen.process.kill('SIGCONT');

    const ids = [...expected.keys()].sort();
    await eventually(
      async () => {
        const exact = (await countersMismatch(profiles, expected)).length === 0;
        return exact &&
          (await segmentSize(profiles.redis, profiles.layout, 'identified')) === ids.length
          ? true
          : undefined;
      },
      180_000,
      500,
    ).catch(async (error: unknown) => {
      const mismatches = await countersMismatch(profiles, expected);
      throw new Error(
        `${String(error)}\n${mismatches.slice(0, 5).join('\n')}\n` +
          `frozen:\n${frozen.output()}\nsuccessor:\n${successor.output()}`,
      );
    });
    expect(await countersMismatch(profiles, expected)).toEqual([]);
    expect(await segmentMembersIn(profiles.redis, profiles.layout, 'identified')).toEqual(ids);
    // The successor really took partitions over while the other was frozen. (Whether the
    // thawed one still writes from its held batch depends on where it stopped; either way the
    // partition watermarks must keep each event once.)
    expect(await appliedBy(successor)).toBeGreaterThan(0);
  }, 300_000);
});

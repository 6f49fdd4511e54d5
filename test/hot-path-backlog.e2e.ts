import { parseChangelogKey } from '../profiles/changelog-keys.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildService } from './support/child-service.ts';
import { syntheticEvents } from './support/event-stream.ts';
import { eventually } from './support/http.ts';
import { createSandbox, type Sandbox } from './support/isolation.ts';
import { produceEvents, readTopic } from './support/kafka.ts';
import { appliedBy, spawnProcessor } from './support/processor.ts';

/** Distinct profiles: each batch of the backlog touches thousands, far over 1 MiB of snapshots. */
const PROFILES = 12_000;

describe('hot path: a processor started on a large backlog', () => {
  let sandbox: Sandbox;
  let processor: ChildService | undefined;

  beforeAll(async () => {
    sandbox = await createSandbox();
  });
  afterAll(async () => {
    await processor?.stop();
    await sandbox?.dispose();
  });

  it('drains it completely, sending the snapshots of large batches within the broker limit', async () => {
    const tag = `${sandbox.id}-backlog`;
    await produceEvents(sandbox, syntheticEvents(0, PROFILES, PROFILES, tag));
    processor = await spawnProcessor(sandbox);
    const started = processor;
    await eventually(
      async () => ((await appliedBy(started)) === PROFILES ? true : undefined),
      90_000,
    );
    const ready = await fetch(`http://127.0.0.1:${started.port}/ready`);
    expect(ready.status).toBe(200);
    // Every profile's snapshot reached the changelog (its window chunks are records of their own).
    const documentKeys = (messages: Array<{ key: Buffer | null }>) =>
      new Set(
        messages
          .map((m) => parseChangelogKey(m.key?.toString() ?? ''))
          .filter(({ slot }) => slot === undefined)
          .map(({ id }) => id),
      );
    const snapshots = await readTopic(
      sandbox,
      sandbox.topics.changelog,
      (messages) => documentKeys(messages).size >= PROFILES,
    );
    expect(documentKeys(snapshots).size).toBe(PROFILES);
  });
});

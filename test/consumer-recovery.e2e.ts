import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEAD_LETTER_HEADERS } from '../lib/kafka/dead-letter.ts';
import { parseBrokers } from '../lib/kafka/client.ts';
import { freePort, sandboxEnv, spawnService, type ChildService } from './support/child-service.ts';
import { eventually } from './support/http.ts';
import { createSandbox, type Sandbox } from './support/isolation.ts';
import { produceEvents, produceRaw, readTopic } from './support/kafka.ts';
import { spawnProcessor } from './support/processor.ts';
import { sandboxProfiles, storedSnapshot } from './support/profiles.ts';
import { archiveProbe } from './support/archive.ts';
import { syntheticEvents } from './support/event-stream.ts';

/** The broker's default `max.message.bytes`, what a topic without its own setting takes. */
const BROKER_MAX_MESSAGE_BYTES = '1048588';

async function readyStatus(service: ChildService): Promise<number> {
  return (await fetch(`http://127.0.0.1:${service.port}/ready`)).status;
}

async function metric(service: ChildService, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${service.port}/metrics`)).text();
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)$`, 'm').exec(text);
  return Number(match?.[1] ?? 0);
}

describe('a consumer kafkajs stops for good', () => {
  let sandbox: Sandbox;
  let profiles: ReturnType<typeof sandboxProfiles>;
  let admin: ReturnType<Kafka['admin']>;
  const children: ChildService[] = [];

  const setDeadLetterLimit = (bytes: string) =>
    admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: sandbox.topics.deadLetter,
          configEntries: [{ name: 'max.message.bytes', value: bytes }],
        },
      ],
    });

  beforeAll(async () => {
    sandbox = await createSandbox();
    profiles = sandboxProfiles(sandbox);
    admin = new Kafka({
      clientId: `${sandbox.id}-test-admin`,
      brokers: parseBrokers(sandbox.kafkaBrokers),
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
  });
  afterEach(async () => {
    for (const child of children.splice(0)) await child.kill();
  });
  afterAll(async () => {
    await admin?.disconnect();
    profiles?.close();
    await sandbox?.dispose();
  });

  it('is replaced by a new one, unready meanwhile, and loses nothing', async () => {
    const processor = await spawnProcessor(sandbox);
    children.push(processor);
    const [first, second] = syntheticEvents(0, 2, 1, `${sandbox.id}-steady`);
    if (!first || !second) throw new Error('no events');
    await produceEvents(sandbox, [first]);
    const id = first.userId as string;
    const eventCount = async () => (await profiles.store.readMany([id]))[0]?.profile.eventCount;
    await eventually(async () => ((await eventCount()) === 1 ? true : undefined));

    // The dead-letter topic refuses every record: the poison message's dead letter fails with
    // MESSAGE_TOO_LARGE, an error kafkajs never retries, and the consumer stops for good.
    await setDeadLetterLimit('16');
    // The broker applies a topic's new setting a moment later: wait until it refuses records.
    await eventually(() =>
      produceRaw(sandbox, sandbox.topics.deadLetter, [
        { key: 'probe', value: 'x'.repeat(64) },
      ]).then(
        () => undefined,
        () => true,
      ),
    );
    await produceRaw(sandbox, sandbox.topics.events, [{ key: 'poison', value: 'not json {' }]);
    await eventually(async () => ((await readyStatus(processor)) === 503 ? true : undefined));
    await eventually(async () =>
      processor.output().includes('kafkajs stopped the consumer for good') ? true : undefined,
    );
    // Alive all the while: only readiness tells an orchestrator to hold traffic.
    expect((await fetch(`http://127.0.0.1:${processor.port}/health`)).status).toBe(200);
    await produceEvents(sandbox, [second]);

    await setDeadLetterLimit(BROKER_MAX_MESSAGE_BYTES);
    await eventually(
      async () => ((await readyStatus(processor)) === 200 ? true : undefined),
      90_000,
    );
    await eventually(async () => ((await eventCount()) === 2 ? true : undefined), 60_000);
    expect(await metric(processor, 'pulsehub_processor_consumer_restarts_total')).toBeGreaterThan(
      0,
    );
    const letters = (
      await readTopic(sandbox, sandbox.topics.deadLetter, (m) =>
        m.some((l) => l.key?.toString() === 'poison'),
      )
    ).filter((m) => m.key?.toString() !== 'probe');
    expect(letters.map((m) => m.value?.toString())).toEqual(['not json {']);
    expect(letters[0]?.headers?.[DEAD_LETTER_HEADERS.failedBy]?.toString()).toBe('processor');
  }, 180_000);
});

describe('one dead letter per message, by its owner', () => {
  let sandbox: Sandbox;
  const children: ChildService[] = [];
  let archive: ReturnType<typeof archiveProbe>;

  beforeAll(async () => {
    sandbox = await createSandbox();
    archive = archiveProbe(sandbox);
  });
  afterAll(async () => {
    for (const child of children.splice(0)) await child.kill();
    await archive?.close();
    await sandbox?.dispose();
  });

  it('the processor dead-letters an invalid event, the archiver only counts it', async () => {
    const archiver = await spawnService('archiver/main.ts', await freePort(), {
      ...sandboxEnv(sandbox),
      CONSUMER_GROUP_ID: `${sandbox.id}-archiver`,
    });
    children.push(archiver);
    children.push(await spawnProcessor(sandbox));
    const tag = `${sandbox.id}-after`;
    await produceRaw(sandbox, sandbox.topics.events, [{ key: 'poison', value: '[1,2]' }]);
    await produceEvents(sandbox, syntheticEvents(0, 3, 1, tag));
    await eventually(async () => ((await archive.counts(tag)).rows === 3 ? true : undefined));
    await eventually(async () =>
      (await metric(archiver, 'pulsehub_archiver_events_skipped_total')) === 1 ? true : undefined,
    );
    // Everything written after the poison message was handled by both groups: had the
    // archiver dead-lettered it too, its copy would be here by now.
    const letters = await readTopic(sandbox, sandbox.topics.deadLetter, (m) => m.length >= 1);
    expect(letters).toHaveLength(1);
    expect(letters[0]?.headers?.[DEAD_LETTER_HEADERS.failedBy]?.toString()).toBe('processor');
  }, 120_000);

  it('a snapshot PostgreSQL cannot store is dead-lettered and the next ones are stored', async () => {
    const archiver = await spawnService('archiver/main.ts', await freePort(), {
      ...sandboxEnv(sandbox),
      CONSUMER_GROUP_ID: `${sandbox.id}-archiver-2`,
    });
    children.push(archiver);
    // A NUL character is valid JSON but can never be stored in jsonb.
    const bad = storedSnapshot(`${sandbox.id}-nul`, 1, { traits: { note: 'a\u0000b' } });
    const good = [`${sandbox.id}-ok-1`, `${sandbox.id}-ok-2`];
    await produceRaw(sandbox, sandbox.topics.changelog, [
      { key: bad.profile.id, value: JSON.stringify(bad) },
      ...good.map((id) => ({ key: id, value: JSON.stringify(storedSnapshot(id, 3)) })),
    ]);
    const stored = await eventually(async () => {
      const rows = await archive.query<{ id: string }>(
        `select profile_id as id from profiles where profile_id = any($1) order by 1`,
        [[bad.profile.id, ...good]],
      );
      return rows.length === good.length ? rows.map((row) => row.id) : undefined;
    });
    expect(stored).toEqual(good);
    const letters = await readTopic(sandbox, sandbox.topics.deadLetter, (m) =>
      m.some((l) => l.key?.toString() === bad.profile.id),
    );
    const letter = letters.find((l) => l.key?.toString() === bad.profile.id);
    expect(letter?.headers?.[DEAD_LETTER_HEADERS.reason]?.toString()).toMatch(
      /^snapshot table refused the snapshot: 22P05/,
    );
    expect(letter?.headers?.[DEAD_LETTER_HEADERS.failedBy]?.toString()).toBe('archiver-snapshots');
    expect(await readyStatus(archiver)).toBe(200);
  }, 120_000);
});

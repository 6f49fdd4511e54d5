import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka, parseBrokers } from '../lib/kafka/client.ts';
import { DEAD_LETTER_HEADERS } from '../lib/kafka/dead-letter.ts';
import { createLogger } from '../lib/logger.ts';
import { createProfileStore } from '../profiles/profile-store.ts';
import type { ProcessorConfig } from '../processor/config.ts';
import { createProcessor } from '../processor/processor.ts';
import { profileRulesFromConfig } from '../processor/rules.ts';
import { redisLayout } from '../schema/redis-keys.ts';
import { parseStoredProfile, type StoredProfile } from '../schema/profile.ts';
import { archiveProbe, type ArchiveProbe } from './support/archive.ts';
import { setConfig } from './support/config.ts';
import { basicAuth, eventually } from './support/http.ts';
import { readTopic } from './support/kafka.ts';
import { sandboxProfiles } from './support/profiles.ts';
import { useSystem } from './support/use-system.ts';

/**
 * Low bounds, so one profile passes each of them in a few hundred events; the defaults are
 * proven to fit their documentBytes in processor/limits.test.ts.
 */
const LIMITS: ProcessorConfig['limits'] = {
  traitKeys: 20,
  traitBytes: 4_096, // 4 KiB
  eventNames: 10,
  eventNameBytes: 1_024, // 1 KiB
  anonymousIds: 5,
  sessions: 3,
  messageIdWindow: 50,
  documentBytes: 81_920, // 80 KiB
};

/** Room for the big profile's id and its 8 anonymous ids; fewer than the default leave the worst document smaller. */
const IDENTITY: ProcessorConfig['identity'] = { maxIdentifiers: 9, mergeIdentifiedByAlias: false };

const OTHERS = Array.from({ length: 5 }, (_, i) => `bounds-other-${i}`);
const BIG = 'bounds-big';
const START = Date.UTC(2026, 0, 1); // event times of the big profile, ms
const HOUR = 3_600_000; // 1 hour in ms

describe('hot path: bounded profiles', () => {
  const { sandbox, system } = useSystem();
  let profiles: ReturnType<typeof sandboxProfiles>;
  let archive: ArchiveProbe;
  let processorUrl: string;
  const readiness: number[] = [];
  let probe: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    profiles = sandboxProfiles(sandbox(), { messageIdWindow: LIMITS.messageIdWindow });
    archive = archiveProbe(sandbox());
    processorUrl = `http://127.0.0.1:${system().services['processor']?.http.port()}`;
    const changed = await setConfig(system(), {
      application: 'processor',
      values: { limits: LIMITS, identity: IDENTITY },
      message: 'Low profile limits',
    });
    expect(changed.ok, JSON.stringify(changed.errors)).toBe(true);
    await eventually(async () =>
      system().live['processor']?.version() === changed.version ? true : undefined,
    );
    // The processor's readiness, sampled for the whole test.
    probe = setInterval(() => {
      void fetch(`${processorUrl}/ready`)
        .then((answer) => readiness.push(answer.status))
        .catch(() => readiness.push(0));
    }, 100); // every 100 ms
  });
  afterAll(async () => {
    clearInterval(probe);
    profiles?.close();
    await archive?.close();
  });

  let messageSeq = 0;
  /** Sends one /v1/batch through the gateway with the development write key. */
  async function sendBatch(batch: Array<Record<string, unknown>>): Promise<void> {
    const answer = await fetch(`${system().gatewayUrl}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basicAuth('dev-write-key') },
      body: JSON.stringify({
        batch: batch.map((call) => ({ messageId: `${sandbox().id}-${messageSeq++}`, ...call })),
      }),
    });
    expect(answer.status, await answer.clone().text()).toBe(200);
  }

  const stored = async (ids: string[]): Promise<Array<StoredProfile | undefined>> =>
    profiles.store.readMany(ids);

  /** Each round also sends an event of every other user and waits until all of them have it. */
  let othersSent = 0;
  async function round(bigCalls: Array<Record<string, unknown>>): Promise<void> {
    othersSent += 1;
    await sendBatch([
      ...bigCalls.map((call) => ({ userId: BIG, ...call })),
      ...OTHERS.map((userId) => ({ type: 'track', event: 'Ping', userId })),
    ]);
    await eventually(async () => {
      const others = await stored(OTHERS);
      return others.every((p) => p?.profile.eventCount === othersSent) ? true : undefined;
    });
  }

  const at = (hours: number) => new Date(START + hours * HOUR).toISOString();

  it('grows one profile past every bound while every other profile keeps being applied', async () => {
    let bigEvents = 0;
    const calls = (list: Array<Record<string, unknown>>) => {
      bigEvents += list.length;
      return list;
    };

    // 30 trait keys against traitKeys 20: the last 10 are refused.
    const keys = Array.from({ length: 30 }, (_, i) => `k${String(i).padStart(2, '0')}`);
    await round(
      calls([
        { type: 'identify', traits: Object.fromEntries(keys.map((k) => [k, 1])), timestamp: at(0) },
      ]),
    );
    // A known key grows within traitBytes; another growing past it is refused.
    await round(
      calls([
        { type: 'identify', traits: { k00: 'x'.repeat(3_000) }, timestamp: at(0) },
        { type: 'identify', traits: { k01: 'y'.repeat(3_000) }, timestamp: at(0) },
      ]),
    );
    // 15 event names against eventNames 10.
    await round(
      calls(
        Array.from({ length: 15 }, (_, i) => ({
          type: 'track',
          event: `Event ${String(i).padStart(2, '0')}`,
          timestamp: at(0),
        })),
      ),
    );
    // 8 anonymous ids against anonymousIds 5, each in a session of its own (against sessions 3).
    await round(
      calls(
        Array.from({ length: 8 }, (_, i) => ({
          type: 'page',
          anonymousId: `bounds-anon-${i}`,
          timestamp: at(2 * (i + 1)),
        })),
      ),
    );
    // More events than the message-id window (50), in several rounds.
    for (let r = 0; r < 3; r++)
      await round(
        calls(
          Array.from({ length: 40 }, () => ({
            type: 'track',
            event: 'Event 00',
            timestamp: at(16),
          })),
        ),
      );

    const big = await eventually(async () => {
      const [profile] = await stored([BIG]);
      return profile?.profile.eventCount === bigEvents ? profile : undefined;
    });
    const { profile } = big;
    expect(Object.keys(profile.traits)).toEqual(keys.slice(0, 20));
    expect(profile.traits['k00']).toBe('x'.repeat(3_000));
    expect(profile.traits['k01']).toBe(1);
    expect(big.refused).toEqual({ traitKeys: 10, traitBytes: 1, eventNames: 5 });
    expect(Object.keys(profile.eventCounts)).toHaveLength(10);
    expect(profile.eventCounts['Event 00']).toBe(1 + 120);
    expect(profile.anonymousIds).toEqual([3, 4, 5, 6, 7].map((i) => `bounds-anon-${i}`));
    expect(profile.sessionCount).toBe(1 + 8);
    expect(big.sessions).toHaveLength(3);
    expect(big.recentMessageIds).toHaveLength(50);
    const document = await profiles.redis.hget(profiles.layout.profile(BIG), 'doc');
    expect(Buffer.byteLength(document ?? '')).toBeLessThanOrEqual(LIMITS.documentBytes);

    // The changelog record and the PostgreSQL snapshot of the final profile exist.
    const changelog = await readTopic(sandbox(), sandbox().topics.changelog, (messages) =>
      messages.some(
        (m) =>
          m.key?.toString() === BIG &&
          m.value !== null &&
          parseStoredProfile(BIG, m.value.toString()).profile.version === profile.version,
      ),
    );
    expect(changelog.length).toBeGreaterThan(0);
    const snapshot = await eventually(async () => {
      const rows = await archive.query<{ version: number; snapshot: StoredProfile }>(
        'select version::int as version, snapshot from profiles where profile_id = $1',
        [BIG],
      );
      return rows[0]?.version === profile.version ? rows[0] : undefined;
    });
    expect(snapshot.snapshot.refused).toEqual(big.refused);

    // The refusals are counted on /metrics too.
    const metrics = await (await fetch(`${processorUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /pulsehub_processor_bound_refusals_total\{bound="traitKeys"[^}]*\} 10$/m,
    );
    expect(metrics).toMatch(
      /pulsehub_processor_bound_refusals_total\{bound="eventNames"[^}]*\} 5$/m,
    );

    expect(readiness.length).toBeGreaterThan(0);
    expect(readiness.filter((status) => status !== 200)).toEqual([]);
  });

  it('sets aside an event that would grow a document past documentBytes, and applies the rest', async () => {
    // documentBytes below what validation allows: only the last line of defence can hold it.
    const documentBytes = 3_000;
    const layout = redisLayout(`${sandbox().keyPrefix}guard:`);
    const current = system().live['processor']?.current() as ProcessorConfig;
    const logger = createLogger('guard-processor', 'error');
    const guard = createProcessor({
      kafka: createKafka(parseBrokers(sandbox().kafkaBrokers), `${sandbox().id}-guard`, logger),
      store: createProfileStore(profiles.redis, layout),
      topics: sandbox().topics,
      groupId: `${sandbox().id}-guard`,
      logger,
      rules: () => ({
        ...profileRulesFromConfig(current),
        limits: { ...LIMITS, documentBytes },
      }),
      consumerConfig: { maxWaitTimeInMs: 100 },
    });
    await guard.start();
    try {
      await sendBatch([
        { type: 'track', event: 'Before', userId: 'guard-big', timestamp: at(0) },
        {
          type: 'identify',
          userId: 'guard-big',
          traits: { bio: 'x'.repeat(2_500) },
          timestamp: at(0),
        },
        { type: 'track', event: 'After', userId: 'guard-big', timestamp: at(0) },
        { type: 'track', event: 'Ping', userId: 'guard-small', timestamp: at(0) },
      ]);
      const guarded = createProfileStore(profiles.redis, layout);
      const [big, small] = await eventually(async () => {
        const both = await guarded.readMany(['guard-big', 'guard-small']);
        return both[0]?.profile.eventCount === 2 && both[1]?.profile.eventCount === 1
          ? both
          : undefined;
      });
      expect(big?.profile.traits).toEqual({});
      expect(big?.profile.eventCounts).toEqual({ Before: 1, After: 1 });
      expect(small?.profile.eventCounts).toEqual({ Ping: 1 });
      const fromGuard = (m: { key: Buffer | null }) => m.key?.toString() === 'guard-big';
      const letters = await readTopic(sandbox(), sandbox().topics.deadLetter, (messages) =>
        messages.some(fromGuard),
      );
      const letter = letters.find(fromGuard);
      expect(letter?.headers?.[DEAD_LETTER_HEADERS.reason]?.toString()).toMatch(
        /^the profile document would be \d+ bytes, above limits\.documentBytes \(3000\)$/,
      );
      expect(JSON.parse(letter?.value?.toString() ?? '{}')).toMatchObject({ type: 'identify' });
      expect(letters.filter(fromGuard)).toHaveLength(1);
      expect(await guard.ready()).toBe(true);
    } finally {
      await guard.stop();
    }
  });
});

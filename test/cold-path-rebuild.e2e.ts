import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProfileStore, type ProfileStore } from '../profiles/profile-store.ts';
import { loadServiceConfig } from '../config/client/load.ts';
import { processorConfigSchema } from '../processor/config.ts';
import { rebuildProfiles, type RebuildProgress } from '../processor/rebuild/rebuild-profiles.ts';
import { profileRulesFromConfig } from '../processor/rules.ts';
import type { ActivityEvent } from '../schema/event.ts';
import type { StoredProfile } from '../schema/profile.ts';
import { redisLayout } from '../schema/redis-keys.ts';
import { archiveProbe, type ArchiveProbe } from './support/archive.ts';
import { eventually } from './support/http.ts';
import { REPO_ROOT } from './support/infra-settings.ts';
import { deleteKeysWithPrefix } from './support/isolation.ts';
import { syntheticEvents } from './support/event-stream.ts';
import { produceEvents } from './support/kafka.ts';
import { useSystem } from './support/use-system.ts';

const PROFILES = 60;

describe('cold path: Redis rebuilt from the archive', () => {
  const { sandbox } = useSystem({ partitions: 3 });
  let redis: Redis;
  let pool: pg.Pool;
  let store: ProfileStore;
  let archive: ArchiveProbe;
  let tag: string;
  let ids: string[];
  let before: Array<StoredProfile | undefined>;

  const readAll = () => store.readMany(ids);
  const totalCount = (profiles: Array<StoredProfile | undefined>) =>
    profiles.reduce((sum, p) => sum + (p?.profile.eventCount ?? 0), 0);

  beforeAll(async () => {
    redis = new Redis(sandbox().redisUrl);
    pool = new pg.Pool({ connectionString: sandbox().databaseUrl, max: 2 });
    store = createProfileStore(redis, redisLayout(sandbox().keyPrefix));
    archive = archiveProbe(sandbox());
    tag = sandbox().id;
    ids = Array.from({ length: PROFILES }, (_, i) => `${tag}-p${i}`);

    // Every Segment call type, so the archive must give back each kind of event exactly.
    const events: ActivityEvent[] = syntheticEvents(0, 1_800, PROFILES, tag);
    ids.forEach((userId, i) => {
      const at = new Date(Date.UTC(2026, 9, 1, 0, 0, i)).toISOString();
      const common = { userId, timestamp: at, receivedAt: at, sentAt: at };
      events.push(
        { ...common, type: 'identify', messageId: `${tag}-i${i}`, traits: { plan: 'pro', i } },
        { ...common, type: 'page', messageId: `${tag}-pg${i}`, name: 'Home', category: 'Docs' },
        { ...common, type: 'group', messageId: `${tag}-g${i}`, groupId: `g${i % 4}` },
        { ...common, type: 'alias', messageId: `${tag}-a${i}`, previousId: `anon-${i}` },
      );
    });
    await produceEvents(sandbox(), events, 1_000);
    await eventually(
      async () => ((await archive.counts(tag)).rows === events.length ? true : undefined),
      120_000,
      200,
    );
    before = await eventually(async () => {
      const profiles = await readAll();
      return totalCount(profiles) === events.length ? profiles : undefined;
    }, 120_000);
  });
  afterAll(async () => {
    redis?.disconnect();
    await pool?.end();
    await archive?.close();
  });

  it('recomputes every profile exactly as it was after the sandbox keys are deleted', async () => {
    await deleteKeysWithPrefix(sandbox().redisUrl, sandbox().keyPrefix);
    expect(totalCount(await readAll())).toBe(0);

    const progress: RebuildProgress[] = [];
    const result = await rebuildProfiles({
      pool,
      redis,
      layout: redisLayout(sandbox().keyPrefix),
      rules: profileRulesFromConfig(
        await loadServiceConfig('processor', processorConfigSchema, { env: {}, profiles: [] }),
      ),
      fetchSize: 500,
      onProgress: (p) => progress.push(p),
      progressIntervalMs: 0,
    });
    expect(result).toMatchObject({ profiles: PROFILES, written: PROFILES, kept: 0 });
    expect(result.events).toBe(totalCount(before));
    expect(progress.length).toBeGreaterThan(1);
    expect(await readAll()).toEqual(before);
  });

  it('rebuilds only the named profiles with the real script', async () => {
    const named = [ids[3], ids[7]] as string[];
    await redis.del(...named.map((id) => redisLayout(sandbox().keyPrefix).profile(id)));
    const child = spawn('npm', ['run', 'rebuild-profiles', '--', '--profiles', named.join(',')], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        PULSEHUB_PROFILES: '',
        REDIS_URL: sandbox().redisUrl,
        REDIS_KEY_PREFIX: sandbox().keyPrefix,
        DATABASE_URL: sandbox().databaseUrl,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code, output).toBe(0);
    expect(output).toMatch(
      /rebuild: [\d,]+\/[\d,]+ events \(100%\), 2 profiles, 2 written, 0 kept/,
    );
    expect(await readAll()).toEqual(before);
  });

  it('lets the processor continue after the rebuild, counting new events once', async () => {
    const next = syntheticEvents(1_000_000, PROFILES, PROFILES, tag);
    await produceEvents(sandbox(), next);
    const expected = before.map((stored) => (stored?.profile.eventCount ?? 0) + 1);
    const after = await eventually(async () => {
      const profiles = await readAll();
      return profiles.every((p, i) => p?.profile.eventCount === expected[i]) ? profiles : undefined;
    }, 120_000);
    expect(after.map((p) => p?.profile.version)).toEqual(
      before.map((p) => (p?.profile.version ?? 0) + 1),
    );
    // The archive agrees: every profile's count is its number of archived events.
    await eventually(async () =>
      (await archive.counts(tag)).rows === totalCount(after) ? true : undefined,
    );
  });
});

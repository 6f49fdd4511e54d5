import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveProbe, type ArchiveProbe } from './support/archive.ts';
import { freePort, sandboxEnv, spawnService, type ChildService } from './support/child-service.ts';
import { eventually } from './support/http.ts';
import { REPO_ROOT } from './support/infra-settings.ts';
import { createSandbox, type Sandbox } from './support/isolation.ts';
import { syntheticEvents } from './support/event-stream.ts';
import { committedAndEnd, produceEvents, produceRaw } from './support/kafka.ts';
import { storedSnapshot } from './support/profiles.ts';
import { proxyInFrontOf } from './support/tcp-proxy.ts';

describe('cold path: the archiver keeps every event exactly once', () => {
  let sandbox: Sandbox;
  let archive: ArchiveProbe;
  const children: ChildService[] = [];

  /** The real archiver process on the sandbox; `databaseUrl` lets a test put a proxy between. */
  async function spawnArchiver(group: string, databaseUrl = sandbox.databaseUrl) {
    const child = await spawnService('archiver/main.ts', await freePort(), {
      ...archiverEnv(group),
      DATABASE_URL: databaseUrl,
    });
    children.push(child);
    return child;
  }
  const archiverEnv = (group: string) => ({
    ...sandboxEnv(sandbox),
    CONSUMER_GROUP_ID: `${sandbox.id}-${group}`,
    SNAPSHOTS_GROUP_ID: `${sandbox.id}-${group}-snapshots`,
  });
  const readyStatus = async (child: ChildService) =>
    (await fetch(`http://127.0.0.1:${child.port}/ready`).catch(() => undefined))?.status ?? 0;
  const countIs = (prefix: string, rows: number) => async () =>
    (await archive.counts(prefix)).rows >= rows ? true : undefined;

  beforeAll(async () => {
    sandbox = await createSandbox({ partitions: 3 });
    archive = archiveProbe(sandbox);
  });
  afterAll(async () => {
    for (const child of children) await child.kill();
    await archive?.close();
    await sandbox?.dispose();
  });

  it('holds all 50,000 events once after a SIGKILL mid-stream and a restart', async () => {
    const tag = `${sandbox.id}-kill`;
    const events = syntheticEvents(0, 50_000, 500, tag);
    let archiver = await spawnArchiver('kill');
    await produceEvents(sandbox, events.slice(0, 25_000), 2_500);
    await eventually(countIs(tag, 5_000), 120_000, 20);
    await archiver.kill();
    const atKill = await archive.counts(tag);
    // The rest arrives while no archiver runs; the restarted one must pick up exactly there.
    await produceEvents(sandbox, events.slice(25_000), 2_500);
    expect(atKill.rows).toBeLessThan(50_000);

    archiver = await spawnArchiver('kill');
    await eventually(countIs(tag, 50_000), 180_000, 500);
    // Let redeliveries (if any were still coming) land before judging "once".
    await eventually(async () => ((await readyStatus(archiver)) === 200 ? true : undefined));
    expect(await archive.counts(tag)).toEqual({ rows: 50_000, distinct: 50_000 });
    const [range] = await archive.query<{ min: number; max: number }>(
      `select min((properties->>'n')::int) as min, max((properties->>'n')::int) as max
       from events where message_id like $1 || '%'`,
      [tag],
    );
    expect(range).toEqual({ min: 0, max: 49_999 });
    await archiver.kill();
  }, 300_000);

  it('stops within seconds on SIGTERM while its consumer is still joining the group', async () => {
    // The previous member was SIGKILLed: the coordinator holds the join for its session (30 s).
    const port = await freePort();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(REPO_ROOT, 'archiver/main.ts')],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          ...archiverEnv('kill'),
          PULSEHUB_PROFILES: '',
          HTTP_PORT: String(port),
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = once(child, 'exit');
    await eventually(
      async () => (output.includes('"component":"partitions"') ? true : undefined),
      60_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // now inside the group join
    expect(output).not.toContain('"component":"archiver","msg":"started"');
    child.kill('SIGTERM');
    const deadline = setTimeout(() => child.kill('SIGKILL'), 20_000); // the old hang was 30 s
    const [code, signal] = (await exited) as [number | null, string | null];
    clearTimeout(deadline);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  }, 120_000);

  it('loses and duplicates nothing while PostgreSQL refuses connections for 20 s, and /ready says so', async () => {
    const tag = `${sandbox.id}-outage`;
    const events = syntheticEvents(0, 20_000, 200, tag);
    const { proxy, url: viaProxy } = await proxyInFrontOf(sandbox.databaseUrl, 5432);
    try {
      const archiver = await spawnArchiver('outage', viaProxy);
      expect(await readyStatus(archiver)).toBe(200);
      await produceEvents(sandbox, events.slice(0, 10_000), 1_000);
      await eventually(countIs(tag, 2_000), 120_000, 20);

      await proxy.refuse();
      const downSince = Date.now();
      const producing = produceEvents(sandbox, events.slice(10_000), 1_000);
      const statuses = new Set<number>();
      while (Date.now() - downSince < 20_000) {
        statuses.add(await readyStatus(archiver));
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      await producing;
      const duringOutage = await archive.counts(tag);
      if (!statuses.has(503)) console.log(archiver.output().slice(-6000));
      expect(statuses).toContain(503);
      expect(duringOutage.rows).toBeLessThan(20_000);

      await proxy.accept();
      await eventually(countIs(tag, 20_000), 120_000, 500);
      await eventually(async () => ((await readyStatus(archiver)) === 200 ? true : undefined));
      expect(await archive.counts(tag)).toEqual({ rows: 20_000, distinct: 20_000 });
      expect(archiver.output()).toContain('sink unavailable, consumer paused');
    } finally {
      await proxy.close();
    }
  }, 300_000);

  it('skips an event no sink can store, leaving its dead letter to the processor', async () => {
    const tag = `${sandbox.id}-poison`;
    const events = syntheticEvents(0, 3, 1, tag);
    // A NUL character is valid JSON but can never be stored in jsonb: decode refuses it.
    events[1] = { ...events[1], properties: { note: 'a\u0000b' } } as (typeof events)[number];
    await produceRaw(
      sandbox,
      sandbox.topics.events,
      events.map((event) => ({ key: event.userId ?? null, value: JSON.stringify(event) })),
    );
    const archiver = await spawnArchiver('poison');
    await eventually(countIs(tag, 2), 120_000);
    const skipped = async () => {
      const text = await (await fetch(`http://127.0.0.1:${archiver.port}/metrics`)).text();
      return /^pulsehub_archiver_events_skipped_total\{kind="unstorable"[^}]*\} 1$/m.test(text);
    };
    await eventually(async () => ((await skipped()) ? true : undefined));
    expect(await archive.counts(tag)).toEqual({ rows: 2, distinct: 2 });
    // The rows that PostgreSQL itself refuses are set aside by archiveRows (cold-path-retries).
  }, 120_000);

  it('commits the end of the events and the changelog when stopped, so a restart redelivers nothing', async () => {
    // Its own topics and database: the other tests' archivers would archive these events too.
    const own = await createSandbox({ partitions: 3 });
    const ownArchive = archiveProbe(own);
    try {
      const tag = `${own.id}-resume`;
      const ids = Array.from({ length: 30 }, (_, index) => `${tag}-${index}`);
      const archiver = await spawnService('archiver/main.ts', await freePort(), {
        ...sandboxEnv(own),
        CONSUMER_GROUP_ID: `${own.id}-archiver`,
      });
      children.push(archiver);
      await produceEvents(own, syntheticEvents(0, 3_000, 30, tag));
      await produceRaw(
        own,
        own.topics.changelog,
        ids.map((id) => ({ key: id, value: JSON.stringify(storedSnapshot(id, 2)) })),
      );
      await eventually(
        async () => ((await ownArchive.counts(tag)).rows === 3_000 ? true : undefined),
        120_000,
      );
      await eventually(async () => {
        const [row] = await ownArchive.query<{ written: number }>(
          `select count(*)::int as written from profiles where profile_id like $1 || '%'`,
          [tag],
        );
        return row?.written === ids.length ? true : undefined;
      }, 60_000);

      expect(await archiver.stop()).toBe(0);
      for (const [groupId, topic] of [
        [`${own.id}-archiver`, own.topics.events],
        [`${own.id}-archiver-snapshots`, own.topics.changelog],
      ] as const) {
        const { committed, end } = await committedAndEnd(own, groupId, topic);
        expect({ topic, committed }).toEqual({ topic, committed: end });
      }
    } finally {
      await ownArchive.close();
      await own.dispose();
    }
  }, 180_000);
});

import { afterAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { loadLiveConfig } from '../config/client/client.ts';
import { loadServiceConfig } from '../config/client/load.ts';
import { gatewayConfigSchema } from '../gateway/config.ts';
import { createLogger } from '../lib/logger.ts';
import { startService, stopService } from '../lib/service.ts';
import { configServiceConfigSchema } from '../subgraphs/config/config.ts';
import { createConfigService } from '../subgraphs/config/service.ts';
import {
  freePort,
  runUntilExit,
  sandboxEnv,
  spawnService,
  type ChildService,
} from './support/child-service.ts';
import { commitDirectly, gitIn, refreshConfig, setConfig } from './support/config.ts';
import { eventually, sendSegment } from './support/http.ts';
import { useSystem } from './support/use-system.ts';

/** A gateway.yml with other write keys, edited as an operator's editor would. */
function withWriteKeys(text: string, keys: string[]): string {
  const doc = parseDocument(text);
  doc.setIn(['ingest', 'writeKeys'], keys);
  return doc.toString();
}

describe('live configuration: changes reach running services without a restart', () => {
  const { sandbox, system } = useSystem();

  const track = (gatewayUrl: string, writeKey: string) =>
    sendSegment(gatewayUrl, 'track', { userId: `u-${sandbox().id}`, event: 'Live' }, writeKey).then(
      (r) => r.status,
    );

  it('a setConfig of the ingest write keys reaches the running gateway within one second', async () => {
    const key = `key-${sandbox().id}`;
    expect(await track(system().gatewayUrl, key)).toBe(401);
    const result = await setConfig(system(), {
      application: 'gateway',
      values: { ingest: { writeKeys: ['dev-write-key', key] } },
      message: 'Add a write key',
    });
    expect(result).toMatchObject({ ok: true, changed: ['ingest.writeKeys'] });
    // The bound: accepted within one second of setConfig answering, same process.
    await eventually(
      async () => ((await track(system().gatewayUrl, key)) === 200 ? true : undefined),
      1_000,
      20,
    );
    expect(system().live['gateway']?.version()).toBe(result.version);

    const revoked = await setConfig(system(), {
      application: 'gateway',
      values: { ingest: { writeKeys: ['dev-write-key'] } },
    });
    expect(revoked.ok).toBe(true);
    await eventually(
      async () => ((await track(system().gatewayUrl, key)) === 401 ? true : undefined),
      1_000,
      20,
    );
  });

  it("a setConfig of the processor's segment rules changes the next event's segment membership within one second", async () => {
    const id = `seg-${sandbox().id}`;
    const profileSegments = async () =>
      (
        await system().query<{ profile: { eventCount: number; segments: string[] } | null }>(
          'query ($id: ID!) { profile(id: $id) { eventCount segments } }',
          { id },
        )
      ).data?.profile;
    const send = (event: string) =>
      sendSegment(system().gatewayUrl, 'track', { userId: id, event }).then((r) => r.status);

    expect(await send('Before')).toBe(200);
    const before = await eventually(async () => {
      const profile = await profileSegments();
      return profile?.eventCount === 1 ? profile : undefined;
    });
    expect(before.segments).not.toContain('trackers');

    const current = system().live['processor']?.current() as { segments: unknown[] };
    const result = await setConfig(system(), {
      application: 'processor',
      values: {
        segments: [
          ...current.segments,
          { name: 'trackers', rule: { field: 'eventCount', op: 'gte', value: 2 } },
        ],
      },
      message: 'Add the trackers segment',
    });
    expect(result).toMatchObject({ ok: true, changed: ['segments'] });
    // The bound: the running processor holds the new rules within one second.
    await eventually(
      async () => (system().live['processor']?.version() === result.version ? true : undefined),
      1_000,
      20,
    );

    expect(await send('After')).toBe(200);
    const after = await eventually(async () => {
      const profile = await profileSegments();
      return profile?.eventCount === 2 ? profile : undefined;
    });
    expect(after.segments).toContain('trackers');
  });

  it('a direct commit is applied after refreshConfig; an invalid one is rejected and the previous configuration stays', async () => {
    const repo = system().configRepo;
    const gatewayFile = gitIn(repo, 'show', 'main:gateway.yml');
    const key = `direct-${sandbox().id}`;
    await commitDirectly(
      repo,
      'gateway.yml',
      withWriteKeys(gatewayFile, ['dev-write-key', key]),
      'Operator adds a key',
    );
    expect(await track(system().gatewayUrl, key)).toBe(401);
    const refresh = () => refreshConfig(system());
    const applied = await refresh();
    expect(applied).toMatchObject({ changed: true, applications: ['gateway'], errors: [] });
    await eventually(
      async () => ((await track(system().gatewayUrl, key)) === 200 ? true : undefined),
      5_000,
    );

    // An empty key list is invalid (at least one key): a direct commit bypasses setConfig's check.
    await commitDirectly(
      repo,
      'gateway.yml',
      withWriteKeys(gatewayFile, []),
      'Operator empties the keys',
    );
    const invalid = await refresh();
    expect(invalid.changed).toBe(true);
    // Refused under every profile it breaks (default and production), always this setting.
    expect([...new Set(invalid.errors.map((e) => e.path))]).toEqual(['ingest.writeKeys']);
    const metrics = `http://127.0.0.1:${system().services['gateway']?.http.port()}/metrics`;
    await eventually(
      async () =>
        /pulsehub_config_reloads_total\{result="rejected",service="gateway"\} 1\n/.test(
          await (await fetch(metrics)).text(),
        )
          ? true
          : undefined,
      5_000,
    );
    expect(system().live['gateway']?.version()).toBe(applied.version);
    expect(await track(system().gatewayUrl, key)).toBe(200);

    // Repaired through setConfig, which validates first.
    const repaired = await setConfig(system(), {
      application: 'gateway',
      values: { ingest: { writeKeys: ['dev-write-key'] } },
    });
    expect(repaired.ok).toBe(true);
    await eventually(
      async () => (system().live['gateway']?.version() === repaired.version ? true : undefined),
      5_000,
    );
  });

  it("a setting removed from the repository falls back to the service's checked-in default", async () => {
    const key = `removable-${sandbox().id}`;
    const set = await setConfig(system(), {
      application: 'gateway',
      values: { ingest: { writeKeys: [key] } },
    });
    expect(set.ok).toBe(true);
    await eventually(
      async () => ((await track(system().gatewayUrl, key)) === 200 ? true : undefined),
      5_000,
    );
    expect(await track(system().gatewayUrl, 'dev-write-key')).toBe(401);

    const removed = await setConfig(system(), {
      application: 'gateway',
      values: { ingest: { writeKeys: null } },
    });
    expect(removed).toMatchObject({ ok: true, changed: ['ingest.writeKeys'] });
    expect(gitIn(system().configRepo, 'show', 'main:gateway.yml')).not.toMatch(/writeKeys/);
    // config/gateway.yml in the checkout still says dev-write-key.
    await eventually(
      async () => ((await track(system().gatewayUrl, 'dev-write-key')) === 200 ? true : undefined),
      5_000,
    );
    expect(await track(system().gatewayUrl, key)).toBe(401);
  });

  it('after a fallback to the local files, switches to the config service once it answers', async () => {
    const port = await freePort();
    const loaded = await loadLiveConfig('gateway', gatewayConfigSchema, {
      env: {},
      profiles: [],
      logger: createLogger('gateway', 'silent'),
      overrides: {
        ...sandbox().sharedOverrides,
        configServer: {
          url: `http://127.0.0.1:${port}`,
          retry: { attempts: 1, maxDelayMs: 200 },
        },
      },
    });
    expect(loaded.origin).toBe('local-files');
    expect(loaded.live.version()).toBeUndefined();
    await loaded.component.start();
    // A second config service on the same repository, where the first one was expected.
    const late = createConfigService(
      await loadServiceConfig('config', configServiceConfigSchema, {
        env: {},
        profiles: [],
        overrides: {
          ...sandbox().sharedOverrides,
          http: { host: '127.0.0.1', port },
          repository: { path: system().configRepo, pollIntervalMs: 0 },
          encrypt: { key: system().encryptKey },
        },
      }),
      createLogger('config', 'silent'),
    );
    try {
      await startService(late);
      const head = gitIn(system().configRepo, 'rev-parse', 'main');
      await eventually(async () => (loaded.live.version() === head ? true : undefined), 10_000);
      expect(loaded.origin).toBe('config-service');
    } finally {
      await stopService(late);
      await loaded.component.stop();
    }
  });

  describe('a service started by its main.ts', () => {
    let gateway: ChildService | undefined;
    afterAll(async () => {
      await gateway?.stop();
    });

    it('loads from the config service, then follows the log level and write keys live, and says which changes need a restart', async () => {
      // No LOG_LEVEL: the log level must come from the config service.
      const { LOG_LEVEL: _pinned, ...env } = sandboxEnv(sandbox());
      gateway = await spawnService('gateway/main.ts', await freePort(), {
        ...env,
        CONFIG_SERVER_ENABLED: 'true',
        CONFIG_SERVER_URL: system().configUrl,
        // The test's own key pair, not the development key file `npm start` creates.
        AUTH_PUBLIC_KEY: system().auth.keys.publicKey,
        AUTH_PUBLIC_KEY_FILE: '',
      });
      const child = gateway;
      const url = `http://127.0.0.1:${child.port}`;
      expect(child.output()).toMatch(/"origin":"config-service".*"msg":"configuration loaded"/);

      const key = `child-${sandbox().id}`;
      await setConfig(system(), {
        application: 'gateway',
        values: { log: { level: 'debug' }, ingest: { writeKeys: ['dev-write-key', key] } },
      });
      await eventually(async () => ((await track(url, key)) === 200 ? true : undefined), 5_000);
      expect(child.output()).toMatch(
        /"settings":\["ingest.writeKeys","log.level"\].*"msg":"configuration change applied"/,
      );

      // Debug lines appear only now that the level is debug.
      expect(child.output()).not.toContain('configuration notice received');
      await setConfig(system(), {
        application: 'gateway',
        values: { subgraphs: { profile: 'http://127.0.0.1:4999/graphql' } },
      });
      await eventually(
        async () => (child.output().includes('only after a restart') ? true : undefined),
        5_000,
      );
      expect(child.output()).toContain('configuration notice received');
      expect(child.output()).toMatch(
        /"settings":\["subgraphs.profile"\].*"msg":"configuration changed for settings that take effect only after a restart"/,
      );
    });

    it('falls back to the local files when the config service is unreachable, or refuses to start with failFast', async () => {
      const unreachable = {
        ...sandboxEnv(sandbox()),
        CONFIG_SERVER_ENABLED: 'true',
        CONFIG_SERVER_URL: `http://127.0.0.1:${await freePort()}`,
        CONFIG_SERVER_RETRY_ATTEMPTS: '2',
        CONFIG_SERVER_RETRY_MAX_DELAY_MS: '50',
        LOG_LEVEL: 'info',
      };
      const refused = await runUntilExit('gateway/main.ts', {
        ...unreachable,
        CONFIG_SERVER_FAIL_FAST: 'true',
        HTTP_PORT: String(await freePort()),
      });
      expect(refused.code).toBe(1);
      expect(refused.output).toContain(
        'cannot load the configuration of gateway from the config service (configServer.failFast)',
      );

      const fallback = await spawnService('archiver/main.ts', await freePort(), {
        ...unreachable,
        CONSUMER_GROUP_ID: `${sandbox().id}-fallback`,
      });
      try {
        expect(fallback.output()).toContain(
          'config service unreachable; starting from the local configuration files',
        );
        expect(fallback.output()).toMatch(/"origin":"local-files".*"msg":"configuration loaded"/);
      } finally {
        await fallback.stop();
      }
    });
  });
});

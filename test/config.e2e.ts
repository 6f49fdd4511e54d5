import { rename } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLiveConfig } from '../config/client/client.ts';
import { gatewayConfigSchema } from '../gateway/config.ts';
import { createLogger } from '../lib/logger.ts';
import {
  basicAuth,
  captureLogs,
  commitDirectly,
  fetchEnvironment,
  gitIn,
  refreshConfig,
  setConfig,
} from './support/config.ts';
import { collect, metricValue, wsClient } from './support/graphql-ws.ts';
import { eventually, sendSegment } from './support/http.ts';
import { useSystem } from './support/use-system.ts';

interface Environment {
  name: string;
  profiles: string[];
  label: string;
  version: string;
  propertySources: Array<{ name: string; source: Record<string, unknown> }>;
  values: Record<string, unknown>;
}

const CONFIG_QUERY = `query ($application: String!, $profile: String, $label: String) {
  config(application: $application, profile: $profile, label: $label) {
    name profiles label version propertySources { name source } values
  }
}`;

describe('config service: git-backed configuration (Spring Cloud Config model)', () => {
  const logs = captureLogs();
  let configToken: string;
  const { sandbox, system } = useSystem({
    system: (created) => {
      // A bearer token beside the development Basic credential, which the services keep sending.
      configToken = `config-token-${created.id}`;
      return { logger: logs.logger, configService: { auth: { token: configToken } } };
    },
  });

  const head = () => gitIn(system().configRepo, 'rev-parse', 'main');
  async function config(application: string, profile?: string, label?: string) {
    const answer = await system().query<{ config: Environment }>(CONFIG_QUERY, {
      application,
      ...(profile === undefined ? {} : { profile }),
      ...(label === undefined ? {} : { label }),
    });
    return answer;
  }

  it("serves Spring Cloud Config's environment JSON at /config/{application}/{profile}", async () => {
    const response = await fetchEnvironment(system(), '/config/gateway/default');
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown> & {
      propertySources: Array<{ name: string; source: Record<string, unknown> }>;
    };
    expect(body).toMatchObject({
      name: 'gateway',
      profiles: ['default'],
      label: null,
      version: head(),
      state: null,
    });
    // Highest precedence first, named after the repository, keys flattened as Spring does.
    expect(body.propertySources.map((s) => path.basename(s.name))).toEqual([
      'gateway.yml',
      'application.yml',
    ]);
    expect(body.propertySources[0]?.name).toMatch(/^file:\/\/\//);
    expect(body.propertySources[0]?.source).toMatchObject({
      'http.port': 4000,
      'ingest.writeKeys[0]': 'dev-write-key',
    });
    expect(body.propertySources[1]?.source).toMatchObject({ 'kafka.clientId': 'pulsehub' });
  });

  it('layers application.yml < {app}.yml < {app}-{profile}.yml, the last profile winning', async () => {
    const production = await setConfig(system(), {
      application: 'processor',
      profile: 'production',
      values: { consumer: { groupId: 'from-production' }, http: { port: 4510 } },
    });
    expect(production).toMatchObject({ ok: true, file: 'processor-production.yml' });
    const eu = await setConfig(system(), {
      application: 'processor',
      profile: 'eu',
      values: { consumer: { groupId: 'from-eu' } },
    });
    expect(eu.ok).toBe(true);

    const both = await config('processor', 'production,eu');
    expect(both.errors).toBeUndefined();
    expect(both.data?.config).toMatchObject({
      name: 'processor',
      profiles: ['production', 'eu'],
      label: 'main',
      version: eu.version,
      values: { consumer: { groupId: 'from-eu' }, http: { port: 4510, host: '127.0.0.1' } },
    });
    expect(both.data?.config.propertySources.map((s) => s.name)).toEqual([
      'application.yml',
      'processor.yml',
      'processor-production.yml',
      'processor-eu.yml',
    ]);
    expect((await config('processor', 'eu,production')).data?.config.values).toMatchObject({
      consumer: { groupId: 'from-production' },
    });
    expect((await config('processor')).data?.config.values).toMatchObject({
      consumer: { groupId: 'processor' },
      http: { port: 4010 },
    });

    const spring = (await (
      await fetchEnvironment(system(), '/config/processor/production,eu')
    ).json()) as { propertySources: Array<{ name: string }> };
    expect(spring.propertySources.map((s) => path.basename(s.name))).toEqual([
      'processor-eu.yml',
      'processor-production.yml',
      'processor.yml',
      'application.yml',
    ]);
  });

  it('reads older values at an older label (tag or commit id), and diffs versions', async () => {
    const before = head();
    gitIn(system().configRepo, 'tag', 'before-archiver-move');
    const moved = await setConfig(system(), {
      application: 'archiver',
      values: { consumer: { groupId: 'archiver-v2' } },
      message: 'New archiver group',
    });
    expect(moved.ok).toBe(true);

    for (const label of ['before-archiver-move', before]) {
      const old = await config('archiver', 'default', label);
      expect(old.data?.config).toMatchObject({
        label,
        version: before,
        values: { consumer: { groupId: 'archiver' } },
      });
    }
    expect((await config('archiver')).data?.config).toMatchObject({
      version: moved.version,
      values: { consumer: { groupId: 'archiver-v2' } },
    });
    const spring = (await (
      await fetchEnvironment(system(), '/config/archiver/default/before-archiver-move')
    ).json()) as { label: string; version: string; propertySources: Array<{ source: object }> };
    expect(spring).toMatchObject({ label: 'before-archiver-move', version: before });
    expect(spring.propertySources[0]?.source).toMatchObject({ 'consumer.groupId': 'archiver' });

    const unknown = await config('archiver', 'default', 'no-such-label');
    expect(unknown.errors?.[0]).toMatchObject({
      message: 'no branch, tag or commit named "no-such-label"',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(
      (await fetchEnvironment(system(), '/config/archiver/default/no-such-label')).status,
    ).toBe(404);

    const diff = await system().query<{
      configDiff: { from: string; to: string; changes: unknown[] };
    }>(`
        {
          configDiff(application: "archiver", from: "before-archiver-move", to: "main") {
            from
            to
            changes {
              key
              kind
              before
              after
            }
          }
        }
      `);
    expect(diff.data?.configDiff).toEqual({
      from: before,
      to: moved.version,
      changes: [
        { key: 'consumer.groupId', kind: 'CHANGED', before: 'archiver', after: 'archiver-v2' },
      ],
    });
  });

  it('refuses an invalid value with a clear message and commits nothing', async () => {
    const before = head();
    const invalid = await setConfig(system(), {
      application: 'gateway',
      values: { http: { port: 'eighty' } },
    });
    expect(invalid).toEqual({
      ok: false,
      version: null,
      file: 'gateway.yml',
      changed: [],
      errors: [
        {
          application: 'gateway',
          path: 'http.port',
          message: 'Invalid input: expected number, received string',
        },
        {
          application: 'gateway',
          path: 'http.port',
          message: 'Invalid input: expected number, received string (profile production)',
        },
      ],
    });
    const unknown = await setConfig(system(), {
      application: 'gateway',
      values: { ingest: { writeKey: 'typo' } },
    });
    expect(unknown.errors).toEqual([
      {
        application: 'gateway',
        path: 'ingest.writeKey',
        message: 'unknown setting: gateway reads ingest.writeKey',
      },
    ]);
    const shared = await setConfig(system(), {
      application: 'application',
      values: { log: { level: 'loud' } },
    });
    expect(shared.ok).toBe(false);
    expect(shared.errors).toContainEqual(
      expect.objectContaining({ application: 'processor', path: 'log.level' }),
    );
    expect(head()).toBe(before);
    expect(gitIn(system().configRepo, 'status', '--porcelain')).toBe('');
  });

  it('picks up a direct git commit on refreshConfig', async () => {
    const text = gitIn(system().configRepo, 'show', 'main:profile.yml').replace('4001', '4601');
    const commit = await commitDirectly(system().configRepo, 'profile.yml', text, 'Operator edit');
    const query = '{ config(application: "profile") { version values } }';
    const refresh = () => refreshConfig(system());
    expect(await refresh()).toEqual({
      version: commit,
      changed: true,
      applications: ['profile'],
      errors: [],
    });
    expect(await refresh()).toMatchObject({ changed: false });
    const answer = await system().query<{ config: { version: string; values: { http: object } } }>(
      query,
    );
    expect(answer.data?.config).toMatchObject({
      version: commit,
      values: { http: { port: 4601 } },
    });
    expect(
      await eventually(
        async () => (system().live['profile']?.version() === commit ? true : undefined),
        10_000,
      ),
    ).toBe(true);
  });

  it('records the caller forwarded by the gateway as the commit author', async () => {
    const viaGateway = await setConfig(system(), {
      application: 'activity',
      values: { http: { port: 4602 } },
    });
    const alice = await system().auth.token(['config:write'], { subject: 'alice@example.com' });
    const asAlice = await setConfig(
      system(),
      {
        application: 'activity',
        values: { http: { port: 4603 } },
        message: 'Alice moves activity',
      },
      alice,
    );
    expect(viaGateway.ok && asAlice.ok).toBe(true);
    const history = await system().query<{
      configHistory: Array<{
        version: string;
        author: string;
        authorEmail: string;
        message: string;
        files: string[];
      }>;
    }>(
      '{ configHistory(application: "activity", first: 2) { version author authorEmail message files } }',
    );
    expect(history.data?.configHistory).toEqual([
      {
        version: asAlice.version,
        author: 'alice@example.com',
        authorEmail: 'alice@example.com',
        message: 'Alice moves activity',
        files: ['activity.yml'],
      },
      {
        version: viaGateway.version,
        author: 'test-admin',
        authorEmail: '',
        message: 'Set http.port in activity.yml',
        files: ['activity.yml'],
      },
    ]);
  });

  it('never shows a secret in plain text in GraphQL answers or logs, and decrypts it for the services', async () => {
    const secret = `wk-${sandbox().id}-hunter2`;
    const encrypted = await system().query<{ encryptValue: string }>(
      'mutation ($value: String!) { encryptValue(value: $value) }',
      { value: secret },
    );
    const cipherText = encrypted.data?.encryptValue ?? '';
    expect(cipherText).toMatch(/^\{cipher\}/);
    const before = head();
    const result = await setConfig(system(), {
      application: 'gateway',
      values: { ingest: { writeKeys: ['dev-write-key', cipherText] } },
    });
    expect(result.ok).toBe(true);

    // The running gateway decrypted it: the secret is a write key now.
    await eventually(async () => {
      const response = await sendSegment(
        system().gatewayUrl,
        'track',
        { userId: 's1', event: 'x' },
        secret,
      );
      return response.status === 200 ? true : undefined;
    }, 10_000);

    const answers = [
      await config('gateway'),
      await system().query(
        `{ configDiff(application: "gateway", from: "${before}", to: "main") { changes { key kind before after } } }`,
      ),
      await system().query('{ configHistory(application: "gateway") { message } }'),
    ];
    for (const answer of answers) {
      expect(answer.errors).toBeUndefined();
      expect(JSON.stringify(answer)).not.toContain(secret);
    }
    expect(answers[0]?.data).toMatchObject({
      config: { values: { ingest: { writeKeys: ['******', '******'] } } },
    });
    expect(JSON.stringify(answers[0])).not.toContain(cipherText);
    // Stored encrypted; decrypted only on the services' endpoint.
    expect(gitIn(system().configRepo, 'show', 'main:gateway.yml')).not.toContain(secret);
    const spring = await (await fetchEnvironment(system(), '/config/gateway/default')).text();
    expect(spring).toContain(secret);
    // Both sides logged the change (by setting name): the config service and the gateway.
    expect(logs.text()).toContain('configuration committed');
    expect(logs.text()).toContain('configuration change applied');
    expect(logs.text()).not.toContain(secret);
  });

  it('answers /config only to authenticated callers, and no decrypted secret to anyone else', async () => {
    const secret = `wk-${sandbox().id}-swordfish`;
    const encrypted = await system().query<{ encryptValue: string }>(
      'mutation ($value: String!) { encryptValue(value: $value) }',
      { value: secret },
    );
    const cipherText = encrypted.data?.encryptValue ?? '';
    const stored = await setConfig(system(), {
      application: 'gateway',
      values: { ingest: { writeKeys: ['dev-write-key', cipherText] } },
    });
    expect(stored.ok).toBe(true);

    const { username, password } = system().configAuth;
    const refusedWith = {
      anonymous: {},
      'wrong password': basicAuth(username, `${password}-`),
      'wrong user': basicAuth(`${username}-`, password),
      'empty password': basicAuth(username, ''),
      'wrong bearer token': { authorization: `Bearer ${configToken}-` },
      'the password as a bearer token': { authorization: `Bearer ${password}` },
      'the token as a Basic password': basicAuth(username, configToken),
    };
    // Every form of the path, nested or flattened, known or not, is refused alike.
    const paths = [
      '/config/gateway/default',
      '/config/gateway/default/main?nested=true',
      '/config/gateway/production',
      '/config/gateway',
      '/config/gateway/default/no-such-label',
    ];
    for (const [who, headers] of Object.entries(refusedWith))
      for (const at of paths) {
        const response = await fetchEnvironment(system(), at, headers);
        const text = await response.text();
        expect(response.status, `${who} at ${at}`).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe('Basic realm="PulseHub config"');
        expect(text).not.toContain(secret);
        expect(text).not.toContain(cipherText);
      }
    const post = await fetch(`${system().configUrl}/config/gateway/default`, { method: 'POST' });
    expect(post.status).toBe(401);
    // Refusals are logged by path and address, never with what the caller presented.
    expect(logs.text()).toContain('configuration request refused: no valid credentials');
    expect(logs.text()).not.toContain(`${password}-`);

    // The right Basic credentials and the bearer token both read the decrypted value.
    for (const headers of [
      basicAuth(username, password),
      { authorization: `Bearer ${configToken}` },
    ]) {
      const response = await fetchEnvironment(system(), '/config/gateway/default', headers);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain(secret);
    }
    // Health, readiness and metrics stay open: they carry no configuration.
    for (const open of ['/health', '/ready', '/metrics'])
      expect((await fetch(`${system().configUrl}${open}`)).status, open).toBe(200);
  });

  it('is read by the services through their config client with its credentials, and refused without', async () => {
    const client = (configServer: Record<string, unknown>) =>
      loadLiveConfig('gateway', gatewayConfigSchema, {
        env: {},
        profiles: [],
        logger: createLogger('gateway', 'silent'),
        overrides: {
          ...sandbox().sharedOverrides,
          configServer: { url: system().configUrl, retry: { attempts: 1 }, ...configServer },
        },
      });
    // Every service of this system already did (startSystem checks where each loaded from).
    expect(Object.keys(system().live).sort()).toEqual([
      'activity',
      'archiver',
      'gateway',
      'processor',
      'profile',
    ]);
    expect((await client({ token: configToken })).origin).toBe('config-service');
    // A refusal is final: the service stops at start, naming the settings, not falling back.
    for (const wrong of [{ password: 'not-the-password' }, { username: '', password: '' }])
      await expect(client(wrong)).rejects.toThrow(
        /config service answered 401 for gateway: .*check configServer\.username and configServer\.password/,
      );
  });

  it('streams configChanged over graphql-ws through the gateway', async () => {
    const client = wsClient(system().graphqlUrl, { token: system().adminToken });
    const received = collect<{
      configChanged: { applications: string[]; version: string; origin: string; author: string };
    }>(
      client,
      'subscription { configChanged(application: "archiver") { applications version origin author } }',
    );
    try {
      // The change must happen after the gateway subscribed to the Config subgraph.
      await eventually(async () =>
        (await metricValue(system().gatewayUrl, 'pulsehub_subscription_upstream_active')) >= 1
          ? true
          : undefined,
      );
      const change = await setConfig(system(), {
        application: 'archiver',
        values: { consumer: { groupId: 'archiver-streamed' } },
      });
      const seen = await eventually(
        async () => received.data.find((r) => r.configChanged.version === change.version),
        10_000,
      );
      expect(seen.configChanged).toEqual({
        applications: ['archiver'],
        version: change.version,
        origin: 'setConfig',
        author: 'test-admin',
      });
      expect(received.errors).toEqual([]);
    } finally {
      await client.dispose();
    }
  });

  it('is ready only while its repository answers', async () => {
    const ready = async () => (await fetch(`${system().configUrl}/ready`)).status;
    expect(await ready()).toBe(200);
    const gitDir = path.join(system().configRepo, '.git');
    await rename(gitDir, `${gitDir}-away`);
    try {
      expect(await ready()).toBe(503);
    } finally {
      await rename(`${gitDir}-away`, gitDir);
    }
    expect(await ready()).toBe(200);
  });
});

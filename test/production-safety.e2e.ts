import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { loadLiveConfig, type LoadedConfig } from '../config/client/client.ts';
import { loadServiceConfig } from '../config/client/load.ts';
import { mergeTrees } from '../config/client/merge.ts';
import { DEVELOPMENT_GATEWAY_SIGNATURE_SECRET } from '../config/client/production-safety-shared.ts';
import { DEVELOPMENT_CONFIG_CREDENTIAL } from '../config/client/shared-schema.ts';
import { gatewayConfigSchema, type GatewayConfig } from '../gateway/config.ts';
import { startService, stopService, type Service } from '../lib/service.ts';
import { configServiceConfigSchema } from '../subgraphs/config/config.ts';
import { createConfigService } from '../subgraphs/config/service.ts';
import { createTestKeys, type TestKeys } from './support/auth.ts';
import {
  freePort,
  runUntilExit,
  sandboxEnv,
  spawnService,
  type ChildService,
} from './support/child-service.ts';
import { captureLogs, commitDirectly, gitIn } from './support/config.ts';
import { eventually } from './support/http.ts';
import { createSandbox, type Sandbox } from './support/isolation.ts';
import {
  productionSecret,
  safeProductionEnv,
  safeProductionSettings,
} from './support/production.ts';

const ENTRIES = {
  gateway: 'gateway/main.ts',
  profile: 'subgraphs/profile/main.ts',
  activity: 'subgraphs/activity/main.ts',
  config: 'subgraphs/config/main.ts',
  processor: 'processor/main.ts',
} as const;
type ServiceName = keyof typeof ENTRIES;

/** Each unsafe setting alone, on a configuration otherwise safe: the service must refuse. */
interface UnsafeCase {
  service: ServiceName;
  env: Record<string, string>;
  /** The line of the refusal naming the setting. */
  names: RegExp;
}

/** Enabled but unreachable (nothing listens on port 1): the local files are loaded and checked. */
const UNREACHABLE_CONFIG_SERVICE = {
  CONFIG_SERVER_ENABLED: 'true',
  CONFIG_SERVER_URL: 'http://127.0.0.1:1',
  CONFIG_SERVER_RETRY_ATTEMPTS: '1',
  CONFIG_SERVER_TOKEN: '',
};

const UNSAFE_CASES: Record<string, UnsafeCase> = {
  'the development write key': {
    service: 'gateway',
    env: { INGEST_WRITE_KEYS: 'dev-write-key' },
    names: /ingest\.writeKeys\[0\]: is a development or short write key.*INGEST_WRITE_KEYS/,
  },
  'a short write key': {
    service: 'gateway',
    env: { INGEST_WRITE_KEYS: `${productionSecret()},short-key` },
    names: /ingest\.writeKeys\[1\]: is a development or short write key/,
  },
  'an empty issuer': {
    service: 'gateway',
    env: { AUTH_ISSUER: '' },
    names: /auth\.issuer: is empty.*AUTH_ISSUER/,
  },
  'an empty audience': {
    service: 'gateway',
    env: { AUTH_AUDIENCE: '' },
    names: /auth\.audience: is empty.*AUTH_AUDIENCE/,
  },
  'the development public key': {
    service: 'gateway',
    env: { AUTH_PUBLIC_KEY: '', AUTH_PUBLIC_KEY_FILE: '.data/auth/dev-es256-public.pem' },
    names: /auth\.publicKeyFile: is the development key.*AUTH_JWKS_URL or AUTH_PUBLIC_KEY/,
  },
  'an HS256 secret development ships': {
    service: 'gateway',
    env: {
      AUTH_ALGORITHMS: 'ES256,HS256',
      AUTH_HS256_SECRET: DEVELOPMENT_GATEWAY_SIGNATURE_SECRET,
    },
    names: /auth\.hs256Secret: is a value PulseHub ships for development.*AUTH_HS256_SECRET/,
  },
  "the gateway's development signature secret": {
    service: 'gateway',
    env: { GATEWAY_SIGNATURE_SECRET: DEVELOPMENT_GATEWAY_SIGNATURE_SECRET },
    names: /gatewaySignature\.secret: is the development default.*GATEWAY_SIGNATURE_SECRET/,
  },
  'subscriptions without a token': {
    service: 'gateway',
    env: { SUBSCRIPTIONS_REQUIRE_TOKEN: 'false' },
    names: /subscriptions\.requireToken: must be true in production.*SUBSCRIPTIONS_REQUIRE_TOKEN/,
  },
  "the gateway's development config-service credential": {
    service: 'gateway',
    env: UNREACHABLE_CONFIG_SERVICE,
    names:
      /configServer\.password: is empty or the development password.*CONFIG_SERVER_PASSWORD or CONFIG_SERVER_TOKEN/,
  },
  "the processor's development config-service credential": {
    service: 'processor',
    env: UNREACHABLE_CONFIG_SERVICE,
    names: /configServer\.password: is empty or the development password/,
  },
  "a profile subgraph's short signature secret": {
    service: 'profile',
    env: { GATEWAY_SIGNATURE_SECRET: 'only-twenty-characte' },
    names: /gatewaySignature\.secret: is shorter than 32 characters/,
  },
  'a profile subgraph exposed beyond loopback without the signature': {
    service: 'profile',
    env: { GATEWAY_SIGNATURE_SECRET: '', HTTP_HOST: '0.0.0.0' },
    names:
      /http\.host: the subgraph is exposed on 0\.0\.0\.0.*GATEWAY_SIGNATURE_SECRET or HTTP_HOST/,
  },
  "an activity subgraph's development signature secret": {
    service: 'activity',
    env: { GATEWAY_SIGNATURE_SECRET: DEVELOPMENT_GATEWAY_SIGNATURE_SECRET },
    names: /gatewaySignature\.secret: is the development default/,
  },
  "the config service's development password without a token": {
    service: 'config',
    env: { AUTH_PASSWORD: DEVELOPMENT_CONFIG_CREDENTIAL.password, AUTH_TOKEN: '' },
    names: /auth\.password: is empty or the development password.*AUTH_PASSWORD or AUTH_TOKEN/,
  },
  "the config service's missing encryption key": {
    service: 'config',
    env: { ENCRYPT_KEY: '' },
    names:
      /encrypt\.key: is not set: the config service would generate a development encryption key.*ENCRYPT_KEY/,
  },
};

describe('production refuses to start unsafe, naming every problem at once', () => {
  let sandbox: Sandbox;
  let keys: TestKeys;
  /** A production service's environment: the sandbox, and every setting safe. */
  let safeEnv: (service: ServiceName) => Record<string, string>;

  beforeAll(async () => {
    sandbox = await createSandbox();
    keys = await createTestKeys();
    const gatewaySignatureSecret = productionSecret();
    safeEnv = (service) => ({
      ...sandboxEnv(sandbox),
      PULSEHUB_PROFILES: 'production',
      ...safeProductionEnv(service, { gatewaySignatureSecret }),
      // The gateway trusts the test's key pair, as it would the identity provider's.
      ...(service === 'gateway' ? { AUTH_PUBLIC_KEY: keys.keys.publicKey } : {}),
      // Its password too: the endpoint's schema asks for one even beside a token.
      ...(service === 'config' ? { AUTH_PASSWORD: productionSecret() } : {}),
    });
  });
  afterAll(async () => {
    await sandbox?.dispose();
  });

  describe('each unsafe setting alone', () => {
    const results = new Map<string, Promise<{ code: number | null; stderr: string }>>();
    beforeAll(async () => {
      // Refusals come before any connection: started together, they take one start's time.
      for (const [name, unsafeCase] of Object.entries(UNSAFE_CASES))
        results.set(
          name,
          freePort().then((port) =>
            runUntilExit(ENTRIES[unsafeCase.service], {
              ...safeEnv(unsafeCase.service),
              HTTP_PORT: String(port),
              ...unsafeCase.env,
            }),
          ),
        );
      await Promise.all(results.values());
    });

    it.each(Object.entries(UNSAFE_CASES))(
      '%s: the service exits 1 naming it',
      async (name, unsafeCase) => {
        const result = await results.get(name);
        expect(result?.code, result?.stderr).toBe(1);
        expect(result?.stderr).toContain(`invalid configuration for ${unsafeCase.service}:`);
        expect(result?.stderr).toMatch(unsafeCase.names);
      },
    );
  });

  it('names every unsafe setting in one message, zod problems included', async () => {
    const { code, stderr } = await runUntilExit(ENTRIES.gateway, {
      ...sandboxEnv(sandbox),
      PULSEHUB_PROFILES: 'production',
      HTTP_PORT: String(await freePort()),
      ...UNREACHABLE_CONFIG_SERVICE,
      SUBSCRIPTIONS_REQUIRE_TOKEN: 'false',
      AUTH_PUBLIC_KEY_FILE: '.data/auth/dev-es256-public.pem',
      AUTH_ALGORITHMS: 'ES256,HS256',
      AUTH_HS256_SECRET: DEVELOPMENT_CONFIG_CREDENTIAL.password,
    });
    expect(code).toBe(1);
    expect(stderr.match(/invalid configuration for gateway/g)).toHaveLength(1);
    // zod: the blank secret is too short; and still the development write key is named.
    expect(stderr).toMatch(/gatewaySignature\.secret: must be at least 32 characters/);
    const unsafeLines = stderr.slice(stderr.indexOf('unsafe in production'));
    for (const setting of [
      'configServer.password',
      'ingest.writeKeys[0]',
      'auth.issuer',
      'auth.audience',
      'auth.publicKeyFile',
      'auth.hs256Secret',
      'gatewaySignature.secret',
      'subscriptions.requireToken',
    ])
      expect(unsafeLines, setting).toContain(`  - ${setting}: `);
  });

  describe('with safe settings', () => {
    const started: ChildService[] = [];
    afterAll(async () => {
      await Promise.all(started.map((child) => child.stop()));
    });

    it('the gateway and a subgraph start and answer /ready', async () => {
      const [gateway, profile] = await Promise.all([
        spawnService(ENTRIES.gateway, await freePort(), safeEnv('gateway')),
        spawnService(ENTRIES.profile, await freePort(), safeEnv('profile')),
      ]);
      started.push(gateway, profile);
      for (const child of [gateway, profile]) {
        const ready = await fetch(`http://127.0.0.1:${child.port}/ready`);
        expect(ready.status, child.output()).toBe(200);
      }
    });
  });

  describe('a live change from the config service', () => {
    let scratch: string;
    let configService: Service | undefined;
    let gateway: LoadedConfig<GatewayConfig> | undefined;
    afterAll(async () => {
      await gateway?.component.stop();
      if (configService) await stopService(configService);
      if (scratch) await rm(scratch, { recursive: true, force: true });
    });

    it('that makes production unsafe is rejected, and the previous configuration stays', async () => {
      scratch = await mkdtemp(path.join(os.tmpdir(), `pulsehub-${sandbox.id}-`));
      const repo = path.join(scratch, 'config-repo');
      const token = productionSecret();
      const settings = await loadServiceConfig('config', configServiceConfigSchema, {
        env: {},
        profiles: [],
        overrides: {
          ...sandbox.sharedOverrides,
          http: { host: '127.0.0.1', port: 0 },
          // Direct commits are picked up and announced within a tenth of a second.
          repository: { path: repo, pollIntervalMs: 100 },
          encrypt: { key: productionSecret() },
          auth: { token },
        },
      });
      configService = createConfigService(settings, captureLogs().logger('config'));
      await startService(configService);
      const configUrl = `http://127.0.0.1:${configService.http.port()}`;

      // The repository holds production's write keys; the gateway pins everything else.
      const productionFile = gitIn(repo, 'show', 'main:gateway-production.yml');
      const withKeys = (writeKeys: string[]) => {
        const doc = parseDocument(productionFile);
        doc.setIn(['ingest', 'writeKeys'], writeKeys);
        return doc.toString();
      };
      const safeKey = productionSecret();
      const first = await commitDirectly(
        repo,
        'gateway-production.yml',
        withKeys([safeKey]),
        'Production write key',
      );
      const served = async () => {
        const answer = await fetch(`${configUrl}/config/gateway/production`, {
          headers: { authorization: `Bearer ${token}` },
        });
        return ((await answer.json()) as { version?: string }).version;
      };
      await eventually(async () => ((await served()) === first ? true : undefined), 5_000);

      const { ingest: _fromTheRepository, ...pinned } = safeProductionSettings('gateway', {
        configServerToken: token,
      });
      const logs = captureLogs();
      gateway = await loadLiveConfig('gateway', gatewayConfigSchema, {
        env: {},
        profiles: ['production'],
        logger: logs.logger('gateway'),
        overrides: mergeTrees(
          sandbox.sharedOverrides,
          { configServer: { url: configUrl, retry: { attempts: 3 } } },
          pinned,
          keys.gatewayAuth,
        ),
      });
      expect(gateway.origin).toBe('config-service');
      expect(gateway.config.ingest.writeKeys).toEqual([safeKey]);
      await gateway.component.start();
      const live = gateway.live;

      await commitDirectly(
        repo,
        'gateway-production.yml',
        withKeys([safeKey, 'dev-write-key']),
        'Operator adds the development key',
      );
      await eventually(
        async () => (logs.text().includes('configuration change rejected') ? true : undefined),
        5_000,
      );
      expect(logs.text()).toMatch(/ingest\.writeKeys\[1\]: is a development or short write key/);
      expect(live.current().ingest.writeKeys).toEqual([safeKey]);
      expect(live.version()).toBe(first);

      // A safe change still applies: the rejection was the rule's, not a broken reload.
      const otherKey = productionSecret();
      await commitDirectly(
        repo,
        'gateway-production.yml',
        withKeys([safeKey, otherKey]),
        'Operator adds a real key',
      );
      await eventually(
        async () => (live.current().ingest.writeKeys.includes(otherKey) ? true : undefined),
        5_000,
      );
    });
  });
});

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { loadServiceConfig } from '../config/client/load.ts';
import { startService, stopService, type Service } from '../lib/service.ts';
import { configServiceConfigSchema } from '../subgraphs/config/config.ts';
import { createCipher } from '../subgraphs/config/secrets/cipher.ts';
import { createConfigService } from '../subgraphs/config/service.ts';
import { captureLogs, commitDirectly, gitIn } from './support/config.ts';
import { createSandbox, type Sandbox } from './support/isolation.ts';
import { prepareSpringClient, type SpringClient } from './support/spring-client.ts';

/**
 * A real Spring Boot application with Spring Cloud Config's client (jars from Maven Central,
 * fetched once into .cache/) against the Config service: its stock Basic credentials are
 * enough, and without them it is refused and never sees a secret.
 */
describe('a Spring Boot config client', () => {
  let sandbox: Sandbox;
  let scratch: string;
  let config: Service;
  let client: SpringClient;
  let configUri: string;
  let credentials: { username: string; password: string };
  const secret = `wk-${randomBytes(6).toString('hex')}-spring`;
  const logs = captureLogs();

  beforeAll(async () => {
    sandbox = await createSandbox();
    scratch = await mkdtemp(path.join(os.tmpdir(), `pulsehub-${sandbox.id}-`));
    const encryptKey = randomBytes(24).toString('base64');
    const settings = await loadServiceConfig('config', configServiceConfigSchema, {
      env: {},
      profiles: [],
      overrides: {
        ...sandbox.sharedOverrides,
        http: { host: '127.0.0.1', port: 0 },
        repository: { path: path.join(scratch, 'config-repo'), pollIntervalMs: 0 },
        encrypt: { key: encryptKey },
      },
    });
    credentials = settings.auth;
    config = createConfigService(settings, logs.logger('config'));
    // Jars and compilation while the Config service starts: on 2 cores both take seconds.
    [client] = await Promise.all([prepareSpringClient(scratch), startService(config)]);
    configUri = `http://127.0.0.1:${config.http.port()}/config`;
    // An operator's encrypted write key, as setConfig would store it.
    const repo = path.join(scratch, 'config-repo');
    const gateway = parseDocument(gitIn(repo, 'show', 'main:gateway.yml'));
    gateway.setIn(
      ['ingest', 'writeKeys'],
      ['dev-write-key', createCipher(encryptKey).encrypt(secret)],
    );
    await commitDirectly(repo, 'gateway.yml', gateway.toString(), 'Encrypted write key');
  }, 240_000); // 4 minutes: the first run downloads the client's jars
  afterAll(async () => {
    if (config !== undefined) await stopService(config);
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
    await sandbox?.dispose();
  });

  const keys = ['http.port', 'kafka.clientId', 'ingest.writeKeys[1]'];

  it('loads its configuration, secrets decrypted, with spring.cloud.config.username/password', async () => {
    const run = await client.run(
      'gateway',
      configUri,
      {
        'spring.cloud.config.username': credentials.username,
        'spring.cloud.config.password': credentials.password,
      },
      keys,
    );
    expect(run.code, run.output).toBe(0);
    expect(run.values).toEqual({
      'http.port': '4000',
      'kafka.clientId': 'pulsehub',
      'ingest.writeKeys[1]': secret,
    });
  });

  it('is refused without credentials or with wrong ones, and never sees the secret', async () => {
    for (const properties of [
      {},
      {
        'spring.cloud.config.username': credentials.username,
        'spring.cloud.config.password': `${credentials.password}-wrong`,
      },
    ]) {
      const run = await client.run('gateway', configUri, properties, keys);
      expect(run.code, run.output).not.toBe(0);
      expect(run.output).toContain('HttpClientErrorException$Unauthorized: 401 Unauthorized');
      expect(run.values).toEqual({});
      expect(run.output).not.toContain(secret);
    }
  });
});

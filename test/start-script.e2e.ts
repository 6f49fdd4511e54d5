// `npm start` on the whole system, in a sandbox (own topics, key prefix, database) with a
// scratch copy of config/ and a scratch data folder: the topics it creates come from the
// configuration, and config/ edits reach the services (live settings live, others at the
// next start), winning over setConfig with a plain report.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBrokers } from '../lib/kafka/client.ts';
import { sandboxEnv } from './support/child-service.ts';
import { eventually, sendSegment } from './support/http.ts';
import { REPO_ROOT } from './support/infra-settings.ts';
import { createSandbox, type Sandbox } from './support/isolation.ts';
import { deleteTopics } from './support/namespace.ts';
import { readTopic } from './support/kafka.ts';
import { runStartScript, type StartedSystem } from './support/start-script.ts';

const GATEWAY = 'http://127.0.0.1:4000';
const PARTITIONS = 2;

let sandbox: Sandbox;
let scratch: string;
let configDir: string;
let renamedEvents: string;
let env: Record<string, string>;
let system: StartedSystem | undefined;

/** Rewrites one line of a scratch configuration file (the real config/ is never touched). */
async function editConfig(file: string, from: string | RegExp, to: string): Promise<void> {
  const target = path.join(configDir, file);
  const text = await readFile(target, 'utf8');
  const next = text.replace(from, to);
  expect(next).not.toBe(text);
  await writeFile(target, next);
}

async function graphql(token: string, query: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${GATEWAY}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as Record<string, unknown>;
}

const track = (writeKey: string) =>
  sendSegment(GATEWAY, 'track', { userId: `u-${sandbox.id}`, event: 'Started' }, writeKey).then(
    (r) => r.status,
  );

beforeAll(async () => {
  sandbox = await createSandbox();
  scratch = await mkdtemp(path.join(tmpdir(), 'pulsehub-start-'));
  configDir = path.join(scratch, 'config');
  await cp(path.join(REPO_ROOT, 'config'), configDir, {
    recursive: true,
    filter: (source) => !source.includes(`${path.sep}client`),
  });
  // Not the sandbox's own topic: npm start must create it, from the environment override.
  renamedEvents = `${sandbox.topics.events}.renamed`;
  await editConfig('application.yml', /partitions: \d+/, `partitions: ${PARTITIONS}`);
  env = {
    ...sandboxEnv({ ...sandbox, topics: { ...sandbox.topics, events: renamedEvents } }),
    // The whole system: the services read their configuration from the Config service.
    CONFIG_SERVER_ENABLED: 'true',
    PULSEHUB_CONFIG_DIR: configDir,
    PULSEHUB_DATA_DIR: path.join(scratch, 'data'),
  };
  system = await runStartScript(env);
});

afterAll(async () => {
  await system?.stop();
  await deleteTopics(sandbox.kafkaBrokers, [renamedEvents]);
  await sandbox?.dispose();
  await rm(scratch, { recursive: true, force: true });
});

describe('npm start', () => {
  it('creates the topic the configuration names, with its partitions, and ingest uses it', async () => {
    expect(system?.output()).toContain(`Kafka topics ${renamedEvents}`);
    const admin = new Kafka({
      clientId: `${sandbox.id}-start`,
      brokers: parseBrokers(sandbox.kafkaBrokers),
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [renamedEvents] });
      expect(topics[0]?.partitions).toHaveLength(PARTITIONS);
    } finally {
      await admin.disconnect();
    }
    expect(await track('dev-write-key')).toBe(200);
    const messages = await readTopic(sandbox, renamedEvents, (m) => m.length >= 1);
    expect(messages[0]?.value?.toString()).toContain(`u-${sandbox.id}`);
  });

  it('commits an edit of config/ while running: a new write key is accepted live', async () => {
    const key = `key-${sandbox.id}`;
    expect(await track(key)).toBe(401);
    await editConfig('gateway.yml', '    - dev-write-key\n', `    - dev-write-key\n    - ${key}\n`);
    await eventually(
      async () => ((await track(key)) === 200 ? true : undefined),
      20_000,
      100,
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n${system?.output() ?? ''}`);
    });
    expect(system?.output()).toMatch(
      /config: applied config\/ edited while npm start runs .*gateway\.yml/,
    );
  });

  it('applies a restart-required edit at the next start, and config/ wins over setConfig', async () => {
    const token = system?.token ?? '';
    const introspect = () => graphql(token, '{ __schema { queryType { name } } }');
    expect(await introspect()).toMatchObject({
      data: { __schema: { queryType: { name: 'Query' } } },
    });
    const set = await graphql(
      token,
      'mutation { setConfig(application: "gateway", values: { limits: { maxDepth: 12 } }) { ok } }',
    );
    expect(set).toMatchObject({ data: { setConfig: { ok: true } } });
    await system?.stop();
    system = undefined;

    await editConfig('gateway.yml', /introspection: true/, 'introspection: false');
    system = await runStartScript(env);
    const output = system.output();
    expect(output).toContain('config: applied config/ at npm start');
    expect(output).toMatch(/gateway\.yml graphql\.introspection: true \(repository\) -> false/);
    expect(output).toMatch(/gateway\.yml limits\.maxDepth: 12 \(repository\) -> 10/);
    const refused = await introspect();
    expect(refused['errors']).toBeDefined();
    expect(refused['data']).toBeUndefined();
  });
});

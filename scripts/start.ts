// `npm start`: the whole PulseHub on one machine. Reuses or starts Kafka, Redis and PostgreSQL,
// migrates the database, creates the configured topics, brings config/ into the repository the
// Config service serves (and every later edit of it), runs every service as its own process with
// prefixed logs, restarts a service that dies (with backoff, logged and counted), and on Ctrl-C
// stops the services, then the infrastructure it started.
import path from 'node:path';
import type { RunningInfra } from '../infra/index.ts';
import { ensureInfrastructure } from '../infra/index.ts';
import { ensureTopics } from '../lib/kafka/topics.ts';
import { runMigrations } from '../schema/db/migrate.ts';
import { parseArgsOrExit } from './command-line.ts';
import {
  applyConfigFolder,
  watchConfigFolder,
  type ConfigFolderSync,
} from './supervisor/config-folder.ts';
import {
  configDirOf,
  dataDirOf,
  infraOptionsFromEnv,
  repoRoot,
} from './supervisor/infra-options.ts';
import { parseStartArgs, START_USAGE } from './supervisor/log-format.ts';
import { makePrefixer, useColor } from './supervisor/prefix.ts';
import { createLineFormatter } from './supervisor/pretty-log.ts';
import { isServing, startInOrder } from './supervisor/readiness.ts';
import { readyTable } from './supervisor/ready-table.ts';
import { loadListenSettings, loadShownWriteKey } from './supervisor/service-settings.ts';
import { onStopSignal } from './supervisor/signals.ts';
import { superviseService, type SupervisedService } from './supervisor/supervised-service.ts';
import { loadTopicSettings, specsOf } from './supervisor/topic-settings.ts';
import { ADMIN_TOKEN, mintDevToken } from './dev-auth.ts';
import { assertBuildIsCurrent } from './service-runtime.ts';

interface ServiceEntry {
  /** Its application name, which also names its configuration files (config/<name>.yml). */
  name: string;
  /** Its .ts entry file, relative to the repository root (the build runs its dist/ twin). */
  entry: string;
  /** Started only once these are ready. */
  startAfter?: readonly string[];
}

interface ServiceSpec extends ServiceEntry {
  /** Where it serves GET /ready (and its API or metrics): its configured `http.port`. */
  port: number;
}

/** Every service `npm start` runs; the one place that names their entry files. */
const SERVICES: readonly ServiceEntry[] = [
  { name: 'config', entry: 'subgraphs/config/main.ts' },
  { name: 'profile', entry: 'subgraphs/profile/main.ts' },
  { name: 'activity', entry: 'subgraphs/activity/main.ts' },
  { name: 'processor', entry: 'processor/main.ts' },
  { name: 'archiver', entry: 'archiver/main.ts' },
  // The gateway builds its federated schema from the subgraphs: start it once they answer.
  { name: 'gateway', entry: 'gateway/main.ts', startAfter: ['config', 'profile', 'activity'] },
];

const READY_TIMEOUT_MS = 120_000;
const CHILD_STOP_TIMEOUT_MS = 10_000;

const options = parseArgsOrExit(
  () => parseStartArgs(process.argv.slice(2), process.env, Boolean(process.stdout.isTTY)),
  START_USAGE,
);
const startedAt = Date.now();
const prefix = makePrefixer(SERVICES.map((service) => service.name));
const children: SupervisedService[] = [];
let infraStarting: Promise<RunningInfra> | undefined;
let configWatch: ConfigFolderSync | undefined;
let shutdown: Promise<void> | undefined;

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** "processor 2, archiver 1": the services that were restarted, for status lines. */
function restartSummary(): string | undefined {
  const restarted = children.filter((child) => child.restarts() > 0);
  if (restarted.length === 0) return undefined;
  return restarted.map((child) => `${child.name} ${child.restarts()}`).join(', ');
}

/** Services first (they flush to Kafka, Redis, PostgreSQL), then the infrastructure we started. */
function stopAll(exitCode: number): Promise<void> {
  shutdown ??= (async () => {
    let code = exitCode;
    const restarts = restartSummary();
    if (restarts !== undefined) say(`restarts while running: ${restarts}`);
    configWatch?.close();
    try {
      await Promise.all(children.map((child) => child.stop(CHILD_STOP_TIMEOUT_MS)));
      // If the infrastructure is still starting, let it finish so that its stop() can run.
      const infra = await infraStarting?.catch(() => undefined);
      await infra?.stop();
    } catch (error) {
      process.stderr.write(`stopping failed: ${error instanceof Error ? error.message : error}\n`);
      code = 1;
    }
    process.exit(code);
  })();
  return shutdown;
}

onStopSignal(
  (signal) => {
    say(`\n${signal}: stopping PulseHub (press Ctrl-C again to force)`);
    void stopAll(0);
  },
  () => {
    say('forced stop: killing the services');
    for (const child of children) child.signal('SIGKILL');
    // The infrastructure processes we started are stopped by their watchdogs (infra/watchdog.ts).
    process.exit(130);
  },
);

/** Runs a service and keeps it running: a process that dies is restarted (supervised-service.ts). */
function startService(service: ServiceSpec, env: NodeJS.ProcessEnv): void {
  const child = superviseService({
    name: service.name,
    entry: service.entry,
    runtime: options.runtime,
    cwd: repoRoot,
    env,
    prefix: prefix(service.name),
    formatLine: createLineFormatter({
      format: options.logFormat,
      prefix: prefix(service.name),
      color: useColor(),
    }),
    say,
  });
  children.push(child);
}

const configDir = configDirOf(process.env);

/**
 * Points the Config service at the configuration folder and data folder `npm start` was given
 * (PULSEHUB_CONFIG_DIR, PULSEHUB_DATA_DIR); an explicit REPOSITORY_* in the environment wins.
 */
function folderEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  if (process.env.PULSEHUB_CONFIG_DIR) env.REPOSITORY_SEED_FROM = configDir;
  if (process.env.PULSEHUB_DATA_DIR) {
    const dataDir = dataDirOf(process.env);
    env.REPOSITORY_PATH = path.join(dataDir, 'config-repo');
    env.ENCRYPT_KEY_FILE = path.join(dataDir, 'config-encrypt.key');
  }
  return env;
}

async function main(): Promise<void> {
  // Before anything starts: stale compiled code would run other code than the sources show.
  if (options.runtime === 'built') {
    await assertBuildIsCurrent(SERVICES.map((service) => service.entry));
    say(`services run from the build (dist/) on plain node`);
  }
  infraStarting = ensureInfrastructure(infraOptionsFromEnv(say));
  const infra = await infraStarting;
  if (shutdown) return;

  const env: NodeJS.ProcessEnv = {
    ...folderEnv(),
    ...process.env,
    KAFKA_BROKERS: infra.kafkaBrokers,
    REDIS_URL: infra.redisUrl,
    DATABASE_URL: infra.databaseUrl,
  };
  const setupStartedAt = Date.now();
  await runMigrations(infra.databaseUrl);
  // The topics the services will use, resolved as they resolve them (TOPICS_* overrides too).
  const topics = await loadTopicSettings({ env, dir: configDir });
  await ensureTopics(
    infra.kafkaBrokers.split(',').map((broker) => broker.trim()),
    specsOf(topics),
  );
  say(
    `setup: database migrated, Kafka topics ${Object.values(topics.names).join(', ')} ` +
      `(${topics.partitions} partitions) ready in ${seconds(setupStartedAt)}`,
  );
  const configSync = await applyConfigFolder({ folder: configDir, env, say });
  configWatch = watchConfigFolder(configSync, say);
  // Creates the development key pair the gateway trusts before the gateway starts.
  const adminToken = await mintDevToken(ADMIN_TOKEN).catch((error: unknown) => {
    say(`auth: no development token (${(error as Error).message})`);
    return undefined;
  });
  if (shutdown) return;

  // The ports the services will listen on, resolved as they resolve them (same files, same
  // environment), so the readiness probes and the table below never disagree with them.
  const services: ServiceSpec[] = await Promise.all(
    SERVICES.map(async (service) => ({
      ...service,
      port: (await loadListenSettings(service.name, { env, dir: configDir })).port,
    })),
  );
  const outcome = await startInOrder({
    services,
    start: (service) => startService(service, env),
    timeoutMs: READY_TIMEOUT_MS,
    cancelled: () => shutdown !== undefined,
  });
  if (outcome.status === 'timeout') {
    say(
      `not ready after ${READY_TIMEOUT_MS / 1000} s: ${outcome.notReady.join(', ')}; stopping PulseHub`,
    );
    await stopAll(1);
  } else if (outcome.status === 'ready') {
    const gateway = await loadListenSettings('gateway', { env, dir: configDir });
    const elapsed = seconds(startedAt);
    for (const line of readyTable({
      elapsed,
      restarts: restartSummary(),
      gateway,
      writeKey: await loadShownWriteKey({ env, dir: configDir }),
      dashboard: await isServing(gateway.port, '/dashboard'),
      services: services.map(({ name, port }) => ({ name, port })),
      kafkaBrokers: infra.kafkaBrokers,
      redisUrl: infra.redisUrl,
      databaseUrl: infra.databaseUrl,
    }))
      say(line);
    if (adminToken !== undefined)
      say(
        `admin token (every scope, valid 7 days; \`npm run -s token -- --scopes …\` mints others):\n` +
          `export TOKEN=${adminToken}`,
      );
  }
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `PulseHub failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  void stopAll(1);
});

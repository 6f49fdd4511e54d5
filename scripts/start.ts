// `npm start`: the whole PulseHub on one machine. Reuses or starts Kafka, Redis and PostgreSQL,
// migrates the database, creates the topics, runs every service as its own process with
// prefixed logs, restarts a service that dies (with backoff, logged and counted), and on Ctrl-C
// stops the services, then the infrastructure it started.
import type { RunningInfra } from '../infra/index.ts';
import { ensureInfrastructure } from '../infra/index.ts';
import { ensureTopics } from '../lib/kafka/topics.ts';
import { runMigrations } from '../schema/db/migrate.ts';
import { defaultTopics } from '../schema/topics.ts';
import { infraOptionsFromEnv, repoRoot } from './supervisor/infra-options.ts';
import { makePrefixer } from './supervisor/prefix.ts';
import { startInOrder } from './supervisor/readiness.ts';
import { onStopSignal } from './supervisor/signals.ts';
import { superviseService, type SupervisedService } from './supervisor/supervised-service.ts';
import { ADMIN_TOKEN, mintDevToken } from './dev-auth.ts';

interface ServiceSpec {
  name: string;
  /** Entry file, relative to the repository root. */
  entry: string;
  /** Where it serves GET /ready (and its API or metrics). */
  port: number;
  /** Started only once these are ready. */
  startAfter?: readonly string[];
}

/** Every service `npm start` runs; the one place that names their entry files and ports. */
const SERVICES: readonly ServiceSpec[] = [
  { name: 'config', entry: 'subgraphs/config/main.ts', port: 4003 },
  { name: 'profile', entry: 'subgraphs/profile/main.ts', port: 4001 },
  { name: 'activity', entry: 'subgraphs/activity/main.ts', port: 4002 },
  { name: 'processor', entry: 'processor/main.ts', port: 4010 },
  { name: 'archiver', entry: 'archiver/main.ts', port: 4011 },
  // The gateway builds its federated schema from the subgraphs: start it once they answer.
  {
    name: 'gateway',
    entry: 'gateway/main.ts',
    port: 4000,
    startAfter: ['config', 'profile', 'activity'],
  },
];

const READY_TIMEOUT_MS = 120_000;
const CHILD_STOP_TIMEOUT_MS = 10_000;

const startedAt = Date.now();
const prefix = makePrefixer(SERVICES.map((service) => service.name));
const children: SupervisedService[] = [];
let infraStarting: Promise<RunningInfra> | undefined;
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
    cwd: repoRoot,
    env,
    prefix: prefix(service.name),
    say,
  });
  children.push(child);
}

async function main(): Promise<void> {
  infraStarting = ensureInfrastructure(infraOptionsFromEnv(say));
  const infra = await infraStarting;
  if (shutdown) return;

  const setupStartedAt = Date.now();
  await runMigrations(infra.databaseUrl);
  await ensureTopics(
    infra.kafkaBrokers.split(',').map((broker) => broker.trim()),
    defaultTopics(),
  );
  say(`setup: database migrated, Kafka topics ready in ${seconds(setupStartedAt)}`);
  // Creates the development key pair the gateway trusts before the gateway starts.
  const adminToken = await mintDevToken(ADMIN_TOKEN).catch((error: unknown) => {
    say(`auth: no development token (${(error as Error).message})`);
    return undefined;
  });
  if (shutdown) return;

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KAFKA_BROKERS: infra.kafkaBrokers,
    REDIS_URL: infra.redisUrl,
    DATABASE_URL: infra.databaseUrl,
  };
  const outcome = await startInOrder({
    services: SERVICES,
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
    const gateway = SERVICES.find((service) => service.name === 'gateway');
    const base = `http://localhost:${gateway?.port}`;
    const restarts = restartSummary();
    say(
      `PulseHub ready in ${seconds(startedAt)} — GraphQL ${base}/graphql · ingest ${base}/v1` +
        (restarts === undefined ? '' : ` (restarted while starting: ${restarts})`),
    );
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

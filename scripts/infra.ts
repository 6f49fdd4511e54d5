// `npm run infra`: only the infrastructure (Kafka, Redis, PostgreSQL), for developers who run
// the services one by one (`npm run start:processor` …). Reuses what is already running, starts
// the rest, and stops what it started on Ctrl-C.
import { ensureInfrastructure } from '../infra/index.ts';
import { infraOptionsFromEnv } from './supervisor/infra-options.ts';
import { onStopSignal } from './supervisor/signals.ts';

const say = (line: string): void => void process.stdout.write(`${line}\n`);

const starting = ensureInfrastructure(infraOptionsFromEnv(say));

onStopSignal(
  () => {
    say('stopping the infrastructure started here (press Ctrl-C again to force)');
    void (async () => {
      // Still starting: let it finish, so that what it started can be stopped.
      const infra = await starting.catch(() => undefined);
      await infra?.stop();
      process.exit(0);
    })();
  },
  // What was started is then stopped by its watchdog (infra/watchdog.ts).
  () => process.exit(130),
);

try {
  const infra = await starting;
  say(
    `infrastructure ready: KAFKA_BROKERS=${infra.kafkaBrokers} REDIS_URL=${infra.redisUrl} ` +
      `DATABASE_URL=${infra.databaseUrl}; Ctrl-C stops what was started here`,
  );
  // Signal handlers alone do not keep Node running when everything was already up.
  setInterval(() => undefined, 1 << 30);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

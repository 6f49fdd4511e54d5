// A Kafka broker of a scenario's own (infra/kafka.ts, on free ports, its data in its own
// folder), for a fault that must not reach the broker every other test and service shares.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { ensureKafka } from '../infra/kafka.ts';
import type { ManagedProcess } from '../infra/process.ts';
import { isPortOpen } from '../infra/reachability.ts';
import { freePort } from '../scripts/node-process.ts';
import { REPO_ROOT } from '../test/support/infra-settings.ts';

export interface DedicatedKafka {
  /** Its bootstrap address, `127.0.0.1:<port>`. */
  readonly brokers: string;
  /** kill -9 the broker; resolves once it is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data (after a kill); resolves once it answers. */
  start(): Promise<void>;
  /** Stops it (if running) and removes its data. */
  dispose(): Promise<void>;
}

/** Two free neighbouring ports: the broker's and, next to it, its KRaft controller's. */
async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freePort();
    if (port < 65_535 && !(await isPortOpen('127.0.0.1', port + 1, 200))) return port;
  }
  throw new Error('no two free neighbouring ports for a dedicated Kafka broker');
}

export async function startDedicatedKafka(
  name: string,
  log: (line: string) => void,
): Promise<DedicatedKafka> {
  const dataDir = path.join(REPO_ROOT, '.data', 'chaos', name);
  const brokers = `127.0.0.1:${await freePortPair()}`;
  const options = {
    dataDir,
    cacheDir: path.join(REPO_ROOT, '.cache'),
    kafkaBrokers: brokers,
    redisUrl: '',
    databaseUrl: '',
    log,
  };
  let broker: ManagedProcess | undefined;
  const start = async () => {
    broker = await ensureKafka(options);
    // ensureKafka reuses whatever answers there; ours must be a process we can kill.
    if (broker === undefined) throw new Error(`${brokers} is taken by another broker`);
  };
  await start();
  return {
    brokers,
    async kill() {
      const current = broker;
      if (current === undefined || !current.isRunning()) return;
      process.kill(current.pid, 'SIGKILL');
      await current.exited;
    },
    start,
    async dispose() {
      await broker?.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

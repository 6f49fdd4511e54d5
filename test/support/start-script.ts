// `npm start` (scripts/start.ts) as a child process, for the tests of what it does on the
// whole system. It runs every service on its configured (standard) ports, so only one runs at
// a time; the e2e files run one after another.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { eventually } from './http.ts';
import { REPO_ROOT } from './infra-settings.ts';

export interface StartedSystem {
  /** The admin token `npm start` printed (`export TOKEN=…`). */
  token: string;
  /** Everything printed so far. */
  output(): string;
  /** Ctrl-C and wait for the clean exit; resolves the exit code. */
  stop(): Promise<number | null>;
}

const READY_TIMEOUT_MS = 150_000;
const STOP_TIMEOUT_MS = 30_000;

/** Runs `npm start` with `env` on top of this process's and resolves once it printed the token. */
export async function runStartScript(env: Record<string, string>): Promise<StartedSystem> {
  const busy = await fetch('http://127.0.0.1:4000/ready').catch(() => undefined);
  if (busy !== undefined)
    throw new Error('something already serves port 4000 (an npm start?): stop it first');
  let output = '';
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'scripts/start.ts')],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, PULSEHUB_PROFILES: '', PULSEHUB_LOG_FORMAT: 'json', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const closed = once(child, 'close').then(([code]) => code as number | null);
  const stop = async (): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return closed;
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    const code = await closed;
    clearTimeout(timer);
    return code;
  };
  try {
    const token = await Promise.race([
      eventually(
        () => Promise.resolve(/^export TOKEN=(\S+)$/m.exec(output)?.[1]),
        READY_TIMEOUT_MS,
      ),
      closed.then((code) => Promise.reject(new Error(`exited with ${code}`))),
    ]);
    return { token, output: () => output, stop };
  } catch (error) {
    await stop();
    throw new Error(`npm start did not get ready: ${(error as Error).message}\n${output}`);
  }
}

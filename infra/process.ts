// Spawning and stopping the long-running infrastructure processes (java, redis-server, postgres)
// and running one-shot commands (mvn, initdb, StorageTool).
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { settlesWithin } from '../lib/deadline.ts';
import { watchProcess } from './watchdog.ts';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Settles when the process has exited, for whatever reason. */
  readonly exited: Promise<ExitInfo>;
  isRunning(): boolean;
  /** Graceful stop: stop signal, wait, then SIGKILL. Idempotent. */
  stop(): Promise<void>;
}

export interface StartProcessOptions {
  name: string;
  command: string;
  args: readonly string[];
  /** stdout and stderr go here (truncated at every start) so they never mix with service logs. */
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Run as another user: postgres refuses to run as root. */
  uid?: number;
  gid?: number;
  /** SIGTERM by default; postgres wants SIGINT ("fast" shutdown, which does not wait for clients). */
  stopSignal?: NodeJS.Signals;
  stopTimeoutMs?: number;
}

export function startProcess(options: StartProcessOptions): Promise<ManagedProcess> {
  const stopSignal = options.stopSignal ?? 'SIGTERM';
  const stopTimeoutMs = options.stopTimeoutMs ?? 30_000;
  const logFd = openSync(options.logFile, 'w');
  // detached: its own process group, so a Ctrl-C in the terminal reaches only our process, which
  // then stops the services first and the infrastructure last, in order.
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', logFd, logFd],
    detached: true,
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  });
  closeSync(logFd);

  let alive = true;
  let dismissWatchdog = (): void => undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      alive = false;
      dismissWatchdog();
      resolve({ code, signal });
    });
  });

  return new Promise((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      alive = false;
      reject(
        error.code === 'ENOENT'
          ? new Error(`${options.name}: command not found: ${options.command}`)
          : error,
      );
    });
    child.once('spawn', () => {
      const pid = child.pid as number;
      // Stops the process if we die without calling stop() (crash, kill -9, forced exit).
      dismissWatchdog = watchProcess(pid, stopSignal, stopTimeoutMs).dismiss;
      let stopping: Promise<void> | undefined;
      resolve({
        name: options.name,
        pid,
        logFile: options.logFile,
        exited,
        isRunning: () => alive,
        stop: () => {
          stopping ??= stopChild(pid, exited, () => alive, stopSignal, stopTimeoutMs);
          return stopping;
        },
      });
    });
  });
}

async function stopChild(
  pid: number,
  exited: Promise<ExitInfo>,
  isAlive: () => boolean,
  signal: NodeJS.Signals,
  timeoutMs: number,
): Promise<void> {
  if (!isAlive()) return;
  trySignal(pid, signal);
  const inTime = await settlesWithin(exited, timeoutMs);
  if (!inTime && isAlive()) {
    trySignal(pid, 'SIGKILL');
    await exited;
  }
}

function trySignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Exited between the check and the signal.
  }
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  uid?: number;
  gid?: number;
}

/** Runs a command to completion; rejects with the tail of its output when it fails. */
export function runCommand(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.uid === undefined ? {} : { uid: options.uid }),
      ...(options.gid === undefined ? {} : { gid: options.gid }),
    });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output += chunk.toString();
      // Only the end matters for an error message; keep memory bounded for chatty tools.
      if (output.length > 64_000) output = output.slice(-32_000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT' ? new Error(`command not found: ${command}`) : error);
    });
    child.once('close', (code, signal) => {
      if (code === 0) {
        resolve(output);
        return;
      }
      const status = signal ? `signal ${signal}` : `exit code ${code}`;
      reject(new Error(`${command} failed (${status}):\n${lastLines(output, 30)}`));
    });
  });
}

/**
 * What a log says about why a process failed to start: its error lines when it has any (a Kafka
 * log keeps going for dozens of INFO lines after the fatal one), otherwise its last lines.
 */
export function tailFile(path: string, lines = 30): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return '(no log output)';
  }
  const errors = text
    .split('\n')
    .filter((line) => /\b(ERROR|FATAL|PANIC)\b|Exception|^Caused by:/.test(line));
  return errors.length > 0 ? errors.slice(-15).join('\n') : lastLines(text, lines);
}

function lastLines(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

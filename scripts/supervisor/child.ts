// One service as a child process: `node --import tsx <entry>`, or `node dist/<entry>.js` with
// the build (service-runtime.ts), every output line prefixed with the service name (and, in a
// terminal, its JSON log records made readable: pretty-log.ts) so six interleaved logs stay
// readable in one terminal.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { nodeArgsFor, type ServiceRuntime } from '../service-runtime.ts';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceChild {
  readonly name: string;
  readonly exited: Promise<ExitInfo>;
  isRunning(): boolean;
  /** SIGTERM, then SIGKILL after `timeoutMs`. Resolves once the process is gone. */
  stop(timeoutMs: number): Promise<void>;
  /** Sends a signal if still running (SIGKILL for the forced second Ctrl-C). */
  signal(name: NodeJS.Signals): void;
}

export interface SpawnServiceOptions {
  name: string;
  /** Entry file (the .ts source) relative to the repository root. */
  entry: string;
  /** The sources under tsx (default) or the compiled build on plain node. */
  runtime?: ServiceRuntime;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Already padded (and colored): "processor | ". */
  prefix: string;
  /** Turns each output line into what is shown; default: the prefix, then the line as is. */
  formatLine?: (line: string) => string;
}

const ORPHAN_GUARD = 'scripts/supervisor/orphan-guard.ts';

const children = new Set<ServiceChild>();
// If the supervisor exits without stopping its children (a crash), still ask them to stop.
process.on('exit', () => {
  for (const child of children) child.signal('SIGTERM');
});

export function spawnService(options: SpawnServiceOptions): ServiceChild {
  const child = spawn(
    process.execPath,
    nodeArgsFor(options.runtime ?? 'tsx', options.entry, { preloads: [ORPHAN_GUARD] }),
    {
      cwd: options.cwd,
      env: options.env,
      // 'ipc' only for the orphan guard: the channel closes when the supervisor dies.
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Own process group: Ctrl-C reaches only the supervisor, which then stops services in
      // order; otherwise every child would get SIGINT and our SIGTERM would count as a second one.
      detached: true,
    },
  );
  // Typed nullable because of the 'ipc' entry; both are pipes here.
  const formatLine = options.formatLine ?? ((line: string) => `${options.prefix}${line}\n`);
  if (child.stdout) pipeLines(child.stdout, process.stdout, formatLine);
  if (child.stderr) pipeLines(child.stderr, process.stderr, formatLine);

  let alive = true;
  const exited = new Promise<ExitInfo>((resolveExit) => {
    child.once('exit', (code, signal) => {
      alive = false;
      resolveExit({ code, signal });
    });
    child.once('error', (error) => {
      alive = false;
      process.stderr.write(`${options.prefix}failed to start: ${error.message}\n`);
      resolveExit({ code: null, signal: null });
    });
  });

  const signal = (name: NodeJS.Signals): void => {
    if (!alive || child.pid === undefined) return;
    try {
      process.kill(child.pid, name);
    } catch {
      // Exited meanwhile.
    }
  };

  let stopping: Promise<void> | undefined;
  const service: ServiceChild = {
    name: options.name,
    exited,
    isRunning: () => alive,
    signal,
    stop: (timeoutMs) => {
      stopping ??= (async () => {
        signal('SIGTERM');
        const timer = setTimeout(() => signal('SIGKILL'), timeoutMs);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
  children.add(service);
  void exited.then(() => children.delete(service));
  return service;
}

function pipeLines(from: Readable, to: Writable, formatLine: (line: string) => string): void {
  // readline also flushes a last line that has no newline when the stream ends.
  const lines = createInterface({ input: from, crlfDelay: Infinity });
  lines.on('line', (line) => to.write(formatLine(line)));
}

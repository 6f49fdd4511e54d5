// A tiny shell watchdog per infrastructure process: it holds a pipe from us and, when that pipe
// closes because our process ended in any way (kill -9 and crashes included, where no exit hook
// runs), stops the process we started. Without it, a killed `npm start` or test run would leave
// a 768 MB Kafka JVM, redis-server and postgres running forever.
import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';

// $1 pid, $2 stop signal, $3 seconds before SIGKILL.
const SCRIPT = `
cat > /dev/null
kill -s "$2" "$1" 2>/dev/null || exit 0
waited=0
while kill -0 "$1" 2>/dev/null; do
  if [ "$waited" -ge "$3" ]; then kill -s KILL "$1" 2>/dev/null; exit 0; fi
  sleep 1
  waited=$((waited + 1))
done
`;

export interface Watchdog {
  /** Call once the process has stopped normally: the watchdog leaves without signalling. */
  dismiss(): void;
}

export function watchProcess(pid: number, signal: NodeJS.Signals, timeoutMs: number): Watchdog {
  const watchdog = spawn(
    '/bin/sh',
    [
      '-c',
      SCRIPT,
      'pulsehub-watchdog',
      String(pid),
      signal.replace(/^SIG/, ''),
      String(Math.ceil(timeoutMs / 1000)),
    ],
    // Own process group, so a Ctrl-C in the terminal does not end the watchdog (which would
    // then stop the dependency before the services are down).
    { stdio: ['pipe', 'ignore', 'ignore'], detached: true },
  );
  // Neither the watchdog nor its pipe may keep our process alive.
  watchdog.unref();
  (watchdog.stdin as unknown as Socket | null)?.unref();
  watchdog.on('error', () => undefined);
  watchdog.stdin?.on('error', () => undefined);

  let dismissed = false;
  return {
    dismiss: () => {
      if (dismissed) return;
      dismissed = true;
      try {
        // The whole group: sh and the cat it is waiting on.
        if (watchdog.pid !== undefined) process.kill(-watchdog.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
      watchdog.stdin?.destroy();
    },
  };
}

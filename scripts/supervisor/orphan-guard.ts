// Preloaded (--import) into every service that `npm start` runs, for the day the supervisor dies
// without stopping its children (kill -9, crash).
import fs from 'node:fs';

// 1. The supervisor talks to its children over an IPC channel that closes when it dies in any
//    way; the service then stops itself as on Ctrl-C instead of living on and holding its port.
if (process.channel) {
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  // The channel must not keep a service alive that wants to exit by itself.
  process.channel.unref();
}

// 2. With the supervisor gone, stdout and stderr are pipes nobody reads: writes fail with EPIPE.
//    pino's sonic-boom retries a failed flush at exit forever (it only gives up on EAGAIN), so the
//    service would hang instead of exiting. Output nobody can read is dropped instead.
type WriteSync = (fd: number, data: string | NodeJS.ArrayBufferView, ...rest: unknown[]) => number;
type Write = (fd: number, data: string | NodeJS.ArrayBufferView, ...rest: unknown[]) => void;

const isStdio = (fd: number): boolean => fd === 1 || fd === 2;
const byteLength = (data: string | NodeJS.ArrayBufferView, rest: unknown[]): number => {
  if (typeof data === 'string') return Buffer.byteLength(data);
  const [offset, length] = rest;
  if (typeof length === 'number') return length;
  return data.byteLength - (typeof offset === 'number' ? offset : 0);
};
const isEpipe = (error: unknown): boolean => (error as { code?: string } | null)?.code === 'EPIPE';

const writeSync = fs.writeSync as unknown as WriteSync;
(fs as unknown as { writeSync: WriteSync }).writeSync = (fd, data, ...rest) => {
  try {
    return writeSync(fd, data, ...rest);
  } catch (error) {
    if (isStdio(fd) && isEpipe(error)) return byteLength(data, rest);
    throw error;
  }
};

const write = fs.write as unknown as Write;
(fs as unknown as { write: Write }).write = (fd, data, ...rest) => {
  const callback = rest.at(-1);
  if (!isStdio(fd) || typeof callback !== 'function') return write(fd, data, ...rest);
  const args = rest.slice(0, -1);
  write(fd, data, ...args, (error: unknown, ...results: unknown[]) => {
    if (isEpipe(error)) callback(null, byteLength(data, args), data);
    else callback(error, ...results);
  });
};

// Same for process.stdout/stderr: an unhandled 'error' on them would crash the stop midway.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);

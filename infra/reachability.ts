// Small network helpers shared by the dependency starters: "is something listening there?",
// "is that address on this machine?" and "poll until ready, but fail fast if the process died".
import { connect } from 'node:net';
import type { ManagedProcess } from './process.ts';
import { tailFile } from './process.ts';

export interface HostPort {
  host: string;
  port: number;
}

/** `host:port`, `[::1]:port` or a bare host. */
export function parseHostPort(address: string, defaultPort: number): HostPort {
  const trimmed = address.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(trimmed);
  if (bracketed) {
    return { host: bracketed[1] as string, port: Number(bracketed[2] ?? defaultPort) };
  }
  const colon = trimmed.lastIndexOf(':');
  if (colon === -1) return { host: trimmed, port: defaultPort };
  return { host: trimmed.slice(0, colon), port: Number(trimmed.slice(colon + 1)) };
}

/** Host and port of a URL such as redis://… or postgres://…; URL brackets IPv6 hosts. */
export function urlHostPort(url: URL, defaultPort: number): HostPort {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost';
  return { host, port: url.port ? Number(url.port) : defaultPort };
}

/** We only ever start dependencies on this machine; a remote address must already be up. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A plain TCP connect: cheap, and tells "nothing there" apart from "there but misbehaving". */
export function isPortOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (open: boolean): void => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface WaitOptions {
  /** What we wait for, for the timeout message. */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** The process being started: if it exits we stop waiting and show its log. */
  process?: ManagedProcess;
}

/** Polls `check` until it returns true; a throwing check counts as "not yet". */
export async function waitUntil(
  check: () => Promise<boolean>,
  options: WaitOptions,
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 250;
  let lastError: unknown;
  for (;;) {
    const child = options.process;
    if (child && !child.isRunning()) {
      const { code, signal } = await child.exited;
      throw new Error(
        `${child.name} exited (${signal ?? `code ${code}`}) while waiting for ${options.what}; ` +
          `from ${child.logFile}:\n${tailFile(child.logFile)}`,
      );
    }
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const reason = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      const log = child ? `; from ${child.logFile}:\n${tailFile(child.logFile)}` : '';
      throw new Error(
        `timed out after ${options.timeoutMs / 1000} s waiting for ${options.what}${reason}${log}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

export function seconds(sinceMs: number): string {
  return `${((Date.now() - sinceMs) / 1000).toFixed(1)} s`;
}

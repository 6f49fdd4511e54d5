// Readiness of the services: each answers GET /ready with 200 once it can serve traffic.

/** One probe; a refused connection, a timeout or any non-200 status means "not ready yet". */
export async function isReady(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/ready`, {
      signal: AbortSignal.timeout(1000),
    });
    // Drain the body so the connection is released.
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** Whether GET `path` is answered with a page or a redirect (one that is not followed). */
export async function isServing(port: number, path: string): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      signal: AbortSignal.timeout(1000),
      redirect: 'manual',
    });
    await response.arrayBuffer();
    return response.status >= 200 && response.status < 400;
  } catch {
    return false;
  }
}

export interface Startable {
  name: string;
  port: number;
  /** Names of services that must be ready before this one is started. */
  startAfter?: readonly string[];
}

export interface StartInOrderOptions<S extends Startable> {
  services: readonly S[];
  start: (service: S) => void;
  timeoutMs: number;
  /** Checked between rounds: stop waiting when a shutdown began. */
  cancelled: () => boolean;
  intervalMs?: number;
}

export type StartOutcome =
  { status: 'ready' } | { status: 'cancelled' } | { status: 'timeout'; notReady: string[] };

/**
 * Starts every service whose prerequisites are ready, polls /ready, repeats until all are
 * ready, the deadline passes, or a shutdown begins.
 */
export async function startInOrder<S extends Startable>(
  options: StartInOrderOptions<S>,
): Promise<StartOutcome> {
  const deadline = Date.now() + options.timeoutMs;
  const started = new Set<string>();
  const ready = new Set<string>();
  for (;;) {
    if (options.cancelled()) return { status: 'cancelled' };
    for (const service of options.services) {
      const prerequisites = service.startAfter ?? [];
      if (!started.has(service.name) && prerequisites.every((name) => ready.has(name))) {
        started.add(service.name);
        options.start(service);
      }
    }
    const pending = options.services.filter(
      (service) => started.has(service.name) && !ready.has(service.name),
    );
    const probes = await Promise.all(pending.map((service) => isReady(service.port)));
    pending.forEach((service, index) => {
      if (probes[index]) ready.add(service.name);
    });
    if (ready.size === options.services.length) return { status: 'ready' };
    if (Date.now() >= deadline) {
      const notReady = options.services
        .filter((service) => !ready.has(service.name))
        .map((service) =>
          started.has(service.name)
            ? `${service.name} (port ${service.port})`
            : `${service.name} (not started: waits for ${(service.startAfter ?? [])
                .filter((name) => !ready.has(name))
                .join(', ')})`,
        );
      return { status: 'timeout', notReady };
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
  }
}

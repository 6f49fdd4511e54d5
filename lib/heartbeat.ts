import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { z } from 'zod';
import type { RedisTimeouts } from './dependency-timeouts.ts';
import { redisLayout } from '../schema/redis-keys.ts';
import type { ServiceServer } from './http/service-server.ts';
import type { Component } from './lifecycle.ts';
import { createRedisComponent, type RedisClient } from './redis.ts';

/**
 * What a service instance announces on the heartbeat channel every interval: who it is, where
 * it answers, whether its dependencies answer (as `/ready` computes it), and a few figures of
 * its own (the gateway's open subscription connections, a consumer's groups). The control plane
 * (the Config subgraph's system status) builds the services' health from these.
 */
export const heartbeatSchema = z.object({
  service: z.string().min(1),
  instance: z.string().min(1),
  url: z.string().nullable(),
  ready: z.boolean(),
  startedAt: z.string(),
  sentAt: z.string(),
  /** The sender's interval: a listener judges each instance by its own rhythm. */
  intervalMs: z.number().int().min(1),
  /** The last heartbeat of an instance that is shutting down. */
  stopping: z.boolean(),
  figures: z.record(z.string(), z.unknown()),
});
export type Heartbeat = z.infer<typeof heartbeatSchema>;

/** A heartbeat message, or undefined when it is not one (another sender, another version). */
export function parseHeartbeat(message: string): Heartbeat | undefined {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    return undefined;
  }
  const parsed = heartbeatSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

export interface HeartbeatOptions {
  /** A Redis client; published on only, so any connection of the service will do. */
  redis: RedisClient;
  /**
   * True when `redis` is a connection of the heartbeat's own (a service without Redis of its
   * own): it is connected in the background, so the service never waits for Redis to start,
   * and closed on stop.
   */
  ownsConnection?: boolean;
  channel: string;
  service: string;
  instance: string;
  intervalMs: number;
  /** The service's own HTTP base URL; asked on every beat (the port is bound after start). */
  url: () => string | null;
  ready: () => Promise<boolean>;
  figures?: () => Record<string, unknown>;
}

/**
 * Announces the instance every interval on a Redis channel, and a last `stopping` beat when it
 * stops. Placed last among a service's components, so it starts once the service answers and
 * stops (saying so) before anything else does. A beat that fails (Redis away) is dropped: the
 * listener then sees the instance go quiet, which is what it is to the rest of the system.
 */
export function createHeartbeat(options: HeartbeatOptions): Component {
  const startedAt = new Date().toISOString();
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;

  async function beat(stopping: boolean): Promise<void> {
    const ready = stopping ? false : await options.ready().catch(() => false);
    const heartbeat: Heartbeat = {
      service: options.service,
      instance: options.instance,
      url: options.url(),
      ready,
      startedAt,
      sentAt: new Date().toISOString(),
      intervalMs: options.intervalMs,
      stopping,
      figures: options.figures?.() ?? {},
    };
    await options.redis.publish(options.channel, JSON.stringify(heartbeat)).then(
      () => undefined,
      () => undefined,
    );
  }

  function tick(): void {
    // A beat still waiting on Redis is not doubled: the queue would only grow while it is away.
    if (inFlight) return;
    inFlight = beat(false).finally(() => (inFlight = undefined));
  }

  return {
    name: 'heartbeat',
    start() {
      if (options.ownsConnection) void options.redis.connect().catch(() => undefined);
      tick();
      timer = setInterval(tick, options.intervalMs);
      timer.unref();
      return Promise.resolve();
    },
    async stop() {
      clearInterval(timer);
      await inFlight;
      if (options.redis.status === 'ready') await beat(true);
      if (options.ownsConnection)
        await options.redis.quit().catch(() => options.redis.disconnect());
    },
    // Announcing is a courtesy to the control plane: it never makes the service unready.
    ready: () => Promise.resolve(true),
  };
}

/** An id unique to this instance of a service (several may share a host, or a test process). */
export function instanceId(service: string): string {
  return `${service}-${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Where a server bound to `host` is reached from elsewhere: a wildcard means this host. */
export function baseUrlOf(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '::' ? os.hostname() : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

export interface ServiceHeartbeatOptions {
  service: string;
  settings: {
    redis: { url: string; keyPrefix: string } & RedisTimeouts;
    heartbeat: { intervalMs: number };
    http: { host: string };
  };
  http: ServiceServer;
  /** The service's `/ready` answer. */
  ready: () => Promise<boolean>;
  figures?: () => Record<string, unknown>;
  /** The service's own Redis client; a service without one gets a connection for the beats. */
  redis?: RedisClient;
}

/** The heartbeat of a service factory, on the deployment's heartbeat channel. */
export function createServiceHeartbeat(options: ServiceHeartbeatOptions): Component {
  const { settings } = options;
  return createHeartbeat({
    redis:
      options.redis ??
      createRedisComponent(settings.redis.url, 'heartbeat-redis', settings.redis).client,
    ownsConnection: options.redis === undefined,
    channel: redisLayout(settings.redis.keyPrefix).heartbeatChannel,
    service: options.service,
    instance: instanceId(options.service),
    intervalMs: settings.heartbeat.intervalMs,
    url: () =>
      options.http.server.listening ? baseUrlOf(settings.http.host, options.http.port()) : null,
    ready: options.ready,
    figures: options.figures ?? (() => ({})),
  });
}

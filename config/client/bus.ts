import { Redis } from 'ioredis';
import { z } from 'zod';
import type { Component } from '../../lib/lifecycle.ts';
import type { ConfigLogger } from './live.ts';
import { SHARED_APPLICATION } from './sources.ts';

/**
 * The message the config service publishes on the Redis config channel after every change
 * (the Spring Cloud Bus role): which applications are affected and at which commit.
 */
export const configNoticeSchema = z.object({
  /** Affected applications; `application` means application.yml changed, so every one. */
  applications: z.array(z.string()),
  version: z.string(),
  label: z.string(),
  /** What produced the change: `setConfig`, `refreshConfig` or `poll`. */
  origin: z.string(),
  author: z.string().optional(),
  message: z.string().optional(),
  at: z.string(),
});
export type ConfigNotice = z.infer<typeof configNoticeSchema>;

export function parseConfigNotice(raw: string): ConfigNotice | undefined {
  try {
    const parsed = configNoticeSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function noticeConcerns(notice: ConfigNotice, application: string): boolean {
  return (
    notice.applications.includes(application) || notice.applications.includes(SHARED_APPLICATION)
  );
}

export interface ConfigBusOptions {
  redisUrl: string;
  channel: string;
  logger: ConfigLogger;
  onNotice(notice: ConfigNotice): void;
  /** Called whenever the subscription is (re)established: notices may have been missed. */
  onSubscribed?(): void;
  /** How long start() waits for the first subscription. Default 2 seconds. */
  subscribeTimeoutMs?: number;
}

/**
 * A Redis subscriber on the config channel. Never blocks the service: when Redis is away the
 * service runs on its current configuration and catches up once the subscription is back.
 */
export function createConfigBus(options: ConfigBusOptions): Component {
  const client = new Redis(options.redisUrl, {
    lazyConnect: true,
    // A subscriber connection only waits for messages; retry connecting forever.
    maxRetriesPerRequest: null,
  });
  let everSubscribed = false;
  client.on('message', (channel: string, raw: string) => {
    if (channel !== options.channel) return;
    const notice = parseConfigNotice(raw);
    if (notice === undefined) {
      options.logger.warn({ channel }, 'ignored a malformed configuration notice');
      return;
    }
    options.onNotice(notice);
  });
  client.on('ready', () => {
    // ioredis resubscribes by itself after a reconnect; the first 'ready' precedes subscribe().
    if (everSubscribed) options.onSubscribed?.();
  });
  client.on('error', () => undefined); // reconnects by itself; readiness says the rest

  return {
    name: 'config-bus',
    async start() {
      const subscribed = client
        .subscribe(options.channel)
        .then(() => {
          everSubscribed = true;
          options.onSubscribed?.();
          return true;
        })
        .catch(() => false);
      void client.connect().catch(() => undefined);
      const timeout = options.subscribeTimeoutMs ?? 2_000; // 2 seconds
      let timer: NodeJS.Timeout | undefined;
      const ok = await Promise.race([
        subscribed,
        new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeout))),
      ]);
      clearTimeout(timer);
      if (!ok)
        options.logger.warn(
          { channel: options.channel },
          'configuration change channel not reachable yet; live updates resume once Redis answers',
        );
    },
    async stop() {
      await client.quit().catch(() => client.disconnect());
    },
    // Live updates are a convenience: a service keeps serving on its current configuration.
    ready: () => Promise.resolve(true),
  };
}

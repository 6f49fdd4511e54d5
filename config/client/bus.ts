import { z } from 'zod';
import { settlesWithin } from '../../lib/deadline.ts';
import type { Component } from '../../lib/lifecycle.ts';
import { createChannelSubscriber } from '../../lib/redis-channels.ts';
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
  const subscriber = createChannelSubscriber(options.redisUrl, 'config-bus');
  const onMessage = (raw: string): void => {
    const notice = parseConfigNotice(raw);
    if (notice === undefined) {
      options.logger.warn({ channel: options.channel }, 'ignored a malformed configuration notice');
      return;
    }
    options.onNotice(notice);
  };
  // After a lost connection: notices published meanwhile are gone, the caller catches up.
  subscriber.onResubscribed(() => options.onSubscribed?.());

  return {
    name: 'config-bus',
    async start() {
      // Subscribes as soon as Redis answers, now or later; onSubscribed runs then, as after a
      // reconnect (notices sent before it are caught up by the caller).
      const subscribed = subscriber.listen(options.channel, onMessage).then(
        () => {
          options.onSubscribed?.();
          return true;
        },
        () => false,
      );
      void subscriber.start().catch(() => undefined); // ioredis keeps reconnecting
      const inTime = await settlesWithin(subscribed, options.subscribeTimeoutMs ?? 2_000); // 2 seconds
      if (!inTime || !(await subscribed))
        options.logger.warn(
          { channel: options.channel },
          'configuration change channel not reachable yet; live updates resume once Redis answers',
        );
    },
    stop: () => subscriber.stop(),
    // Live updates are a convenience: a service keeps serving on its current configuration.
    ready: () => Promise.resolve(true),
  };
}

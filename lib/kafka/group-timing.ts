import type { ConsumerConfig } from 'kafkajs';
import { z } from 'zod';

/**
 * How fast a consumer group notices a dead member: a member that sends no heartbeat for
 * `sessionTimeoutMs` is dropped and its partitions are assigned again. After a kill -9 that is
 * the time a replacement waits before it gets them (a clean stop leaves the group at once).
 * kafkajs heartbeats only between the steps of the consumer loop, so every step of a batch
 * must stay well below the session. The broker refuses sessions below its
 * group.min.session.timeout.ms (6 s by default), hence the minimum.
 */
export const groupTimingShape = {
  sessionTimeoutMs: z.number().int().min(6_000).max(300_000),
  heartbeatIntervalMs: z.number().int().min(100),
};

export type GroupTiming = { sessionTimeoutMs: number; heartbeatIntervalMs: number };

/** Kafka's rule of thumb: at least three heartbeats per session, so one lost one is harmless. */
export function heartbeatsFitSession(timing: GroupTiming): boolean {
  return timing.heartbeatIntervalMs * 3 <= timing.sessionTimeoutMs;
}

export const HEARTBEATS_FIT_SESSION = {
  message: 'heartbeatIntervalMs must be at most a third of sessionTimeoutMs',
  path: ['heartbeatIntervalMs'],
};

/** The kafkajs consumer options for these settings. */
export function groupTimingConfig(timing: GroupTiming): Partial<ConsumerConfig> {
  return { sessionTimeout: timing.sessionTimeoutMs, heartbeatInterval: timing.heartbeatIntervalMs };
}

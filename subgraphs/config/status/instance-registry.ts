import { z } from 'zod';
import type { Heartbeat } from '../../../lib/heartbeat.ts';
import type { ServiceInstance, ServiceStatus } from './model.ts';

/** An instance unheard for this many of its intervals is gone. */
export const MISSED_BEATS = 3;

/** The consumer groups a consuming service announces among its figures. */
const announcedGroups = z.array(z.object({ group: z.string().min(1), topic: z.string().min(1) }));
export type AnnouncedGroups = z.infer<typeof announcedGroups>;

interface Seen {
  heartbeat: Heartbeat;
  lastSeenMs: number;
}

export interface InstanceRegistry {
  /** Takes one heartbeat heard at `atMs`; a `stopping` one removes its instance. */
  record(heartbeat: Heartbeat, atMs: number): void;
  /** Every named service with its live instances (unheard for MISSED_BEATS intervals: gone). */
  services(names: readonly string[], nowMs: number): ServiceStatus[];
  /** Sum of a numeric figure over the live instances of a service. */
  sumFigure(service: string, figure: string, nowMs: number): number;
  /**
   * The consumer groups a service last announced, remembered after its instances are gone so
   * a stopped consumer's lag still shows; undefined when it never announced any.
   */
  groupsOf(service: string): AnnouncedGroups | undefined;
}

export function createInstanceRegistry(): InstanceRegistry {
  const instances = new Map<string, Seen>();
  const groups = new Map<string, AnnouncedGroups>();

  const isLive = (seen: Seen, nowMs: number) =>
    nowMs - seen.lastSeenMs <= MISSED_BEATS * seen.heartbeat.intervalMs;

  function live(service: string, nowMs: number): Seen[] {
    const found: Seen[] = [];
    for (const [id, seen] of instances) {
      if (!isLive(seen, nowMs)) instances.delete(id);
      else if (seen.heartbeat.service === service) found.push(seen);
    }
    return found;
  }

  return {
    record(heartbeat, atMs) {
      if (heartbeat.stopping) instances.delete(heartbeat.instance);
      else instances.set(heartbeat.instance, { heartbeat, lastSeenMs: atMs });
      const announced = announcedGroups.safeParse(heartbeat.figures['consumerGroups']);
      if (announced.success) groups.set(heartbeat.service, announced.data);
    },
    services(names, nowMs) {
      return names.map((name) => {
        const found = live(name, nowMs).sort((a, b) =>
          a.heartbeat.instance.localeCompare(b.heartbeat.instance),
        );
        const list: ServiceInstance[] = found.map(({ heartbeat, lastSeenMs }) => ({
          id: heartbeat.instance,
          url: heartbeat.url,
          ready: heartbeat.ready,
          startedAt: new Date(heartbeat.startedAt),
          lastSeenAt: new Date(lastSeenMs),
        }));
        return {
          name,
          up: list.length > 0,
          ready: list.length > 0 && list.every((i) => i.ready),
          instances: list,
        };
      });
    },
    sumFigure(service, figure, nowMs) {
      let sum = 0;
      for (const { heartbeat } of live(service, nowMs)) {
        const value = heartbeat.figures[figure];
        if (typeof value === 'number' && Number.isFinite(value)) sum += value;
      }
      return sum;
    },
    groupsOf: (service) => groups.get(service),
  };
}

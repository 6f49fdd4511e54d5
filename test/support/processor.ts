import { freePort, sandboxEnv, spawnService, type ChildService } from './child-service.ts';
import type { Sandbox } from './isolation.ts';
import type { ExpectedCounters } from './event-stream.ts';
import type { sandboxProfiles } from './profiles.ts';

/**
 * Runs the real processor as its own process on a sandbox, with the group timing of
 * config/processor.yml and a shorter heartbeat, so a stopped member's partitions move in
 * seconds. `overrides` are further settings as environment variables (e.g. a group of its own,
 * which reads the topic again from the start, as a redelivery after a crash would).
 */
export async function spawnProcessor(
  sandbox: Sandbox,
  overrides: Record<string, string> = {},
): Promise<ChildService> {
  return spawnService('processor/main.ts', await freePort(), {
    ...sandboxEnv(sandbox),
    CONSUMER_GROUP_ID: `${sandbox.id}-processor`,
    CONSUMER_SESSION_TIMEOUT_MS: '6000',
    CONSUMER_HEARTBEAT_INTERVAL_MS: '500',
    ...overrides,
  });
}

/** The profiles whose counters differ from what was sent (empty when every one is exact). */
export async function countersMismatch(
  profiles: ReturnType<typeof sandboxProfiles>,
  expected: Map<string, ExpectedCounters>,
): Promise<string[]> {
  const ids = [...expected.keys()];
  const stored = await profiles.store.readMany(ids);
  const wrong: string[] = [];
  ids.forEach((id, index) => {
    const profile = stored[index]?.profile;
    const want = expected.get(id);
    const got = profile && {
      eventCount: profile.eventCount,
      pageViews: profile.pageViews,
      eventCounts: profile.eventCounts,
    };
    if (JSON.stringify(got) !== JSON.stringify(want))
      wrong.push(`${id}: got ${JSON.stringify(got)}, sent ${JSON.stringify(want)}`);
  });
  return wrong;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const randomBetween = (min: number, max: number): number =>
  min + Math.floor(Math.random() * (max - min));

/** The processor's `pulsehub_processor_events_applied_total`, read from its /metrics. */
export async function appliedBy(processor: ChildService): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${processor.port}/metrics`)).text();
  const match = /^pulsehub_processor_events_applied_total\{[^}]*\} (\d+)$/m.exec(text);
  return Number(match?.[1] ?? 0);
}

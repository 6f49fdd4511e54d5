import { Partitioners } from 'kafkajs';
import { connectRedis } from '../../lib/redis.ts';
import { loadServiceConfig } from '../../config/client/load.ts';
import { applyEvents, type PositionedEvent } from '../../processor/apply-event.ts';
import { processorConfigSchema } from '../../processor/config.ts';
import { profileRulesFromConfig, type ProfileRules } from '../../processor/rules.ts';
import { restoreProfiles } from '../../profiles/profile-restore.ts';
import type { ActivityEvent } from '../../schema/event.ts';
import { emptyStoredProfile, storedDocument, type StoredProfile } from '../../schema/profile.ts';
import { redisLayout } from '../../schema/redis-keys.ts';
import { activityEvent, profileId, type EventPlan } from './events.ts';

/** Whether a scenario's profiles start empty or with a steady-state history. */
export type ProfileStart = 'fresh' | 'history';
export const PROFILE_STARTS: readonly ProfileStart[] = ['fresh', 'history'];

/**
 * What a profile at steady state has seen: a full dedupe window of prior events (at least
 * processor.yml `limits.messageIdWindow`), 20 traits and more sessions than one.
 */
const HISTORY_TRAITS = 18; // trait0..trait17, plus the `plan` and `visits` every identify sets
const HISTORY_SESSIONS = 8;
const SESSION_GAP_MS = 2 * 60 * 60_000; // 2 hours apart: well over sessions.timeoutMinutes
const EVENT_SPACING_MS = 1_000; // within a session
const SEED_CHUNK = 100; // profiles computed and written per Redis pipeline

export interface SeededHistory {
  profiles: number;
  eventsPerProfile: number;
  /** The seeded documents' size (storedDocument: without the dedupe window), mean over the profiles. */
  documentBytes: number;
  seconds: number;
}

/** The processor's rules as config/processor.yml sets them: the same the running one applies. */
export async function processorRules(): Promise<ProfileRules> {
  return profileRulesFromConfig(await loadServiceConfig('processor', processorConfigSchema));
}

/** The partition ingest's producer (kafkajs' default partitioner) puts a key on. */
function partitionOf(key: string, partitions: number): number {
  const partitioner = Partitioners.DefaultPartitioner();
  return partitioner({
    topic: 'events',
    partitionMetadata: Array.from({ length: partitions }, (_, partitionId) => ({
      partitionErrorCode: 0,
      partitionId,
      leader: 0,
      offlineReplicas: [],
      replicas: [0],
      isr: [0],
    })),
    message: { key, value: null },
  });
}

/**
 * History event `n` of one profile: the plan's own mix of track, page and identify events,
 * with messageIds of their own (`-h`), times in sessions that end an hour before the plan's
 * first measured event, and identifies that set 20 traits in all.
 */
function historyEvent(
  plan: EventPlan,
  profile: number,
  n: number,
  eventsPerProfile: number,
): ActivityEvent {
  // Event n of the plan as a template: its type cycles with n, so every profile gets the mix.
  const base = activityEvent(plan, n);
  const perSession = Math.ceil(eventsPerProfile / HISTORY_SESSIONS);
  const session = Math.floor(n / perSession);
  const at =
    plan.baseTimeMs -
    (HISTORY_SESSIONS - session) * SESSION_GAP_MS +
    (n % perSession) * EVENT_SPACING_MS;
  const time = new Date(at).toISOString();
  const event: ActivityEvent = {
    ...base,
    userId: profileId(plan, profile),
    messageId: `${plan.runId}-h${n}`,
    timestamp: time,
    receivedAt: time,
  };
  if (event.type === 'identify')
    event.traits = {
      ...event.traits,
      [`trait${n % HISTORY_TRAITS}`]: `value-${n}`,
      [`trait${(n + 1) % HISTORY_TRAITS}`]: n,
    };
  return event;
}

/**
 * A profile's stored document after its history, computed by the processor's own step. The
 * history sits on the profile's own partition at offsets -N..-1, before the topic's first
 * offset: the watermark then says the profile applied everything before offset 0, so every
 * event the scenario produces is new to it, exactly as for a profile whose history came
 * through the topic before the measured ones.
 */
export function storedWithHistory(
  plan: EventPlan,
  profile: number,
  partitions: number,
  eventsPerProfile: number,
  rules: ProfileRules,
): StoredProfile {
  const id = profileId(plan, profile);
  const partition = partitionOf(id, partitions);
  const events: PositionedEvent[] = Array.from({ length: eventsPerProfile }, (_, n) => ({
    event: historyEvent(plan, profile, n, eventsPerProfile),
    position: { partition, offset: n - eventsPerProfile },
  }));
  return applyEvents(emptyStoredProfile(id), events, rules);
}

/**
 * Every profile's history differs from profile 0's only in the profile's id and partition (the
 * step never looks into an id), so the step runs once, for profile 0, and the others are its
 * document renamed: storedWithHistory for each would take about 50 ms a profile.
 */
export function historyDocuments(
  plan: EventPlan,
  partitions: number,
  eventsPerProfile: number,
  rules: ProfileRules,
): (profile: number) => StoredProfile {
  const template = storedWithHistory(plan, 0, partitions, eventsPerProfile, rules);
  const templateId = JSON.stringify(template.profile.id);
  const templateJson = JSON.stringify({ ...template, watermarks: {} });
  const watermark = Object.values(template.watermarks)[0] as number;
  return (profile) => {
    const id = profileId(plan, profile);
    const stored = JSON.parse(
      templateJson.replaceAll(templateId, JSON.stringify(id)),
    ) as StoredProfile;
    stored.watermarks = { [partitionOf(id, partitions)]: watermark };
    return stored;
  };
}

/**
 * Writes every profile of `plan` into Redis under `keyPrefix` with a steady-state history,
 * straight through the profile restore (as a restore from the changelog would), rather than
 * pushing a million events through Kafka first. Run before the services see any of the plan's
 * events.
 */
export async function seedHistory(options: {
  redisUrl: string;
  keyPrefix: string;
  plan: EventPlan;
  partitions: number;
  rules: ProfileRules;
}): Promise<SeededHistory> {
  const { plan, rules } = options;
  const startedAt = performance.now();
  const eventsPerProfile = Math.max(1_000, rules.limits.messageIdWindow);
  const redis = connectRedis(options.redisUrl);
  const documentOf = historyDocuments(plan, options.partitions, eventsPerProfile, rules);
  let bytes = 0;
  try {
    const layout = redisLayout(options.keyPrefix);
    for (let first = 0; first < plan.profiles; first += SEED_CHUNK) {
      const chunk: StoredProfile[] = [];
      for (let profile = first; profile < Math.min(plan.profiles, first + SEED_CHUNK); profile++)
        chunk.push(documentOf(profile));
      for (const stored of chunk) bytes += Buffer.byteLength(storedDocument(stored));
      const written = await restoreProfiles(redis, layout, chunk, 'absent', {
        messageIdWindow: rules.limits.messageIdWindow,
      });
      if (written.length !== chunk.length)
        throw new Error(`seeding found ${chunk.length - written.length} profiles already stored`);
    }
  } finally {
    redis.disconnect();
  }
  return {
    profiles: plan.profiles,
    eventsPerProfile,
    documentBytes: bytes / plan.profiles,
    seconds: (performance.now() - startedAt) / 1_000,
  };
}

import { connectRedis, type RedisClient } from '../../lib/redis.ts';
import { createProfileStore, type ProfileStore } from '../../profiles/profile-store.ts';
import { emptyProfile, emptyStoredProfile, type StoredProfile } from '../../schema/profile.ts';
import { redisLayout } from '../../schema/redis-keys.ts';
import type { Sandbox } from './isolation.ts';

/**
 * Direct access to a sandbox's profiles in Redis, to assert on what the processor stored; a
 * read keeps the newest `messageIdWindow` hashes of a window, as the processor's does.
 */
export function sandboxProfiles(
  sandbox: Sandbox,
  options: { messageIdWindow?: number } = {},
): {
  redis: RedisClient;
  store: ProfileStore;
  layout: ReturnType<typeof redisLayout>;
  close(): void;
} {
  // Auto-pipelined: the helpers' reads of many profiles go out together, per node.
  const redis = connectRedis(sandbox.redisUrl, { enableAutoPipelining: true });
  const layout = redisLayout(sandbox.keyPrefix);
  return {
    redis,
    layout,
    store: createProfileStore(
      redis,
      layout,
      options.messageIdWindow === undefined
        ? {}
        : { messageIdWindow: () => options.messageIdWindow ?? 0 },
    ),
    close: () => redis.disconnect(),
  };
}

/** A changelog snapshot of profile `id` at `version` (eventCount follows the version). */
export const storedSnapshot = (
  id: string,
  version: number,
  extra: Partial<StoredProfile['profile']> = {},
) =>
  ({
    ...emptyStoredProfile(id),
    profile: {
      ...emptyProfile(id),
      userId: id,
      eventCount: version,
      version,
      updatedAt: new Date(Date.UTC(2026, 10, 1, 0, version)).toISOString(),
      ...extra,
    },
    watermarks: { 0: version * 10 },
  }) satisfies StoredProfile;

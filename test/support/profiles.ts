import { Redis } from 'ioredis';
import { createProfileStore, type ProfileStore } from '../../lib/profile-store.ts';
import { redisLayout } from '../../schema/redis-keys.ts';
import type { Sandbox } from './isolation.ts';

/** Direct access to a sandbox's profiles in Redis, to assert on what the processor stored. */
export function sandboxProfiles(sandbox: Sandbox): {
  redis: Redis;
  store: ProfileStore;
  layout: ReturnType<typeof redisLayout>;
  close(): void;
} {
  const redis = new Redis(sandbox.redisUrl);
  const layout = redisLayout(sandbox.keyPrefix);
  return {
    redis,
    layout,
    store: createProfileStore(redis, layout),
    close: () => redis.disconnect(),
  };
}

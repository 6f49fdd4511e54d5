import { connectRedis } from '../../lib/redis.ts';
import pg from 'pg';
import { createProfileStore } from '../../profiles/profile-store.ts';
import { redisLayout } from '../../schema/redis-keys.ts';
import { eventually } from '../../test/support/http.ts';
import type { Namespace } from '../../test/support/namespace.ts';
import { profileId, type EventPlan } from './events.ts';
import { preProduce } from './kafka.ts';

/**
 * Gives `plan.profiles` profiles `perProfile` events each through the real hot and cold path:
 * produces them, then waits until the running processor and archiver show every one in
 * Redis and PostgreSQL. Queries then read real profiles and real activity pages.
 */
export async function seedProfiles(
  namespace: Namespace,
  plan: EventPlan,
  perProfile: number,
): Promise<void> {
  const total = plan.profiles * perProfile;
  await preProduce(namespace.kafkaBrokers, namespace.topics.events, plan, total);
  const redis = connectRedis(namespace.redisUrl);
  const store = createProfileStore(redis, redisLayout(namespace.keyPrefix));
  const ids = Array.from({ length: plan.profiles }, (_, index) => profileId(plan, index));
  const database = new pg.Client({ connectionString: namespace.databaseUrl });
  await database.connect();
  try {
    await eventually(async () => {
      const profiles = await store.readMany(ids);
      if (!profiles.every((stored) => stored?.profile.eventCount === perProfile)) return undefined;
      const { rows } = await database.query<{ count: string }>('select count(*) from events');
      return Number(rows[0]?.count) === total ? true : undefined;
    }, 300_000);
  } finally {
    await database.end();
    redis.disconnect();
  }
}

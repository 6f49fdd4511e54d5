// Checks several scenarios make beside the tally, written once.
import { connectRedis } from '../lib/redis.ts';
import { redisLayout } from '../schema/redis-keys.ts';
import type { AckLedger } from './ledger.ts';
import type { ChaosOutcome } from './scenario.ts';
import type { TrafficFigures } from './traffic.ts';

export type ChaosCheck = ChaosOutcome['checks'][number];

/** The load got a 200 for every batch in the end: none was given up after its retries. */
export function everyBatchAnswered(figures: TrafficFigures): ChaosCheck {
  return {
    name: 'every batch answered 200 in the end',
    ok: figures.givenUp === 0,
    detail: `${figures.givenUp} events given up`,
  };
}

/**
 * Every acknowledged user is identified (its events carry a userId): the segment set
 * "identified" must hold each of them, and no one else.
 */
export async function identifiedSegmentExact(
  redisUrl: string,
  keyPrefix: string,
  ledger: AckLedger,
): Promise<ChaosCheck> {
  const users = new Set([...ledger.acknowledged.values()].map((event) => event.userId));
  const client = connectRedis(redisUrl, { enableAutoPipelining: true });
  // A segment's members are the union of its shards, each in its own hash slot.
  const shards = await Promise.all(
    redisLayout(keyPrefix)
      .segmentMemberShards('identified')
      .map((shard) => client.smembers(shard)),
  ).finally(() => client.disconnect());
  const members = new Set(shards.flat());
  const strangers = [...members].filter((id) => !users.has(id)).length;
  const missing = [...users].filter((id) => !members.has(id)).length;
  return {
    name: 'segment set "identified" holds exactly the acknowledged users',
    ok: strangers === 0 && missing === 0,
    detail: `${members.size} members, ${missing} missing, ${strangers} not acknowledged`,
  };
}

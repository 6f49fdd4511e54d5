// Recomputes profiles in Redis from the PostgreSQL archive:
//   npm run rebuild-profiles                       every archived profile
//   npm run rebuild-profiles -- --profiles u1,u2   only these
// Settings (Redis, key prefix, database) are the processor's, environment overrides included.
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadServiceConfig } from '../config/client/load.ts';
import { connectRedis } from '../lib/redis.ts';
import { processorConfigSchema } from '../processor/config.ts';
import { rebuildProfiles, type RebuildProgress } from '../processor/rebuild/rebuild-profiles.ts';
import { profileRulesFromConfig } from '../processor/rules.ts';
import { redisLayout } from '../schema/redis-keys.ts';

const { values } = parseArgs({
  options: { profiles: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
});
if (values.help) {
  console.log('usage: npm run rebuild-profiles -- [--profiles id1,id2,...]');
  process.exit(0);
}
const profileIds = values.profiles
  ?.split(',')
  .map((id) => id.trim())
  .filter((id) => id !== '');

const config = await loadServiceConfig('processor', processorConfigSchema);
const pool = new pg.Pool({ connectionString: config.database.url, max: 2 });
const redis = connectRedis(config.redis.url, {
  maxRetriesPerRequest: 3,
  enableAutoPipelining: true,
});
const number = new Intl.NumberFormat('en-US');
const line = (p: RebuildProgress) => {
  const percent = p.totalEvents > 0 ? Math.min(100, (100 * p.events) / p.totalEvents) : 100;
  const rate = p.elapsedMs > 0 ? (1_000 * p.events) / p.elapsedMs : 0;
  return (
    `rebuild: ${number.format(p.events)}/${number.format(p.totalEvents)} events ` +
    `(${percent.toFixed(0)}%), ${number.format(p.profiles)} profiles, ` +
    `${number.format(p.written)} written, ${number.format(p.kept)} kept, ` +
    `${number.format(Math.round(rate))} events/s`
  );
};

try {
  const result = await rebuildProfiles({
    pool,
    redis,
    layout: redisLayout(config.redis.keyPrefix),
    rules: profileRulesFromConfig(config),
    profileIds,
    onProgress: (p) => console.error(line(p)),
  });
  console.log(`${line(result)} in ${(result.elapsedMs / 1_000).toFixed(1)} s`);
  if (result.kept > 0)
    console.log(
      `${result.kept} profile(s) kept as they are: Redis has seen events the archive does not ` +
        'hold yet (let the archiver catch up, then run again)',
    );
} finally {
  redis.disconnect();
  await pool.end();
}

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { databaseTimeoutSettings, redisTimeoutSettings } from '../../lib/dependency-timeouts.ts';
import { sharedSettings } from './shared-schema.ts';
import { DEFAULT_CONFIG_DIR } from './sources.ts';

const pick = (tree: Record<string, unknown>, keys: readonly string[]) =>
  Object.fromEntries(keys.map((key) => [key, tree[key]]));

const applicationYml = async () =>
  parse(await readFile(path.join(DEFAULT_CONFIG_DIR, 'application.yml'), 'utf8')) as Record<
    string,
    Record<string, unknown>
  >;

describe('the shared settings defaults', () => {
  it('of the dependency timeouts are exactly what config/application.yml says', async () => {
    const yml = await applicationYml();
    const database = databaseTimeoutSettings.parse({});
    const redis = redisTimeoutSettings.parse({});
    expect(pick(yml['database']!, Object.keys(database))).toEqual(database);
    expect(pick(yml['redis']!, Object.keys(redis))).toEqual(redis);
  });

  it('of the heartbeat interval are what config/application.yml says', async () => {
    const yml = await applicationYml();
    expect(yml['heartbeat']).toEqual(sharedSettings.heartbeat.parse(undefined));
  });
});

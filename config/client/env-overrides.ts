import { leaves, setPath } from './merge.ts';
import type { ConfigTree } from './sources.ts';

/**
 * The environment variable that overrides a setting: its path upper-cased, dots as
 * underscores, camelCase split (kafka.brokers -> KAFKA_BROKERS, topics.deadLetter ->
 * TOPICS_DEAD_LETTER). Only settings that exist in the configuration can be overridden, so
 * a typo never silently creates a setting.
 */
export function envName(path: readonly string[]): string {
  return path.map((key) => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_');
}

/** The value of an environment variable coerced to the type of the setting's default. */
function coerce(raw: string, current: unknown, name: string): unknown {
  if (typeof current === 'number') {
    const value = Number(raw);
    if (raw.trim() === '' || Number.isNaN(value))
      throw new Error(`${name}: expected a number, got "${raw}"`);
    return value;
  }
  if (typeof current === 'boolean') {
    if (raw !== 'true' && raw !== 'false')
      throw new Error(`${name}: expected true or false, got "${raw}"`);
    return raw === 'true';
  }
  if (Array.isArray(current))
    return raw
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  return raw;
}

/** A copy of `tree` with every setting that has an environment variable replaced by it. */
export function applyEnvOverrides(
  tree: ConfigTree,
  env: NodeJS.ProcessEnv,
): { tree: ConfigTree; applied: string[] } {
  const result = structuredClone(tree);
  const applied: string[] = [];
  for (const [path, current] of leaves(tree)) {
    const name = envName(path);
    const raw = env[name];
    if (raw === undefined) continue;
    setPath(result, path, coerce(raw, current, name));
    applied.push(name);
  }
  return { tree: result, applied };
}

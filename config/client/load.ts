import type { z } from 'zod';
import { applyEnvOverrides } from './env-overrides.ts';
import { mergeTrees } from './merge.ts';
import { DEFAULT_CONFIG_DIR, readLocalSources, type ConfigTree } from './sources.ts';

export interface LoadOptions {
  /** Configuration directory; defaults to this checkout's `config/`. */
  dir?: string;
  /** Active profiles, lowest precedence first; defaults to PULSEHUB_PROFILES (comma list). */
  profiles?: readonly string[];
  /** Environment consulted for overrides; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Applied last, above the environment: how tests and embedders pin settings. */
  overrides?: ConfigTree;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Every zod problem on its own line, so an operator fixes them all in one go. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => `  - ${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('\n');
}

export function activeProfiles(env: NodeJS.ProcessEnv): string[] {
  return (env['PULSEHUB_PROFILES'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

/**
 * A service's configuration: its files merged by precedence, environment overrides, explicit
 * overrides, then validated against the service's zod schema. Throws a ConfigError listing
 * every problem.
 */
export async function loadServiceConfig<S extends z.ZodType>(
  application: string,
  schema: S,
  options: LoadOptions = {},
): Promise<z.infer<S>> {
  const env = options.env ?? process.env;
  const profiles = options.profiles ?? activeProfiles(env);
  const sources = await readLocalSources(options.dir ?? DEFAULT_CONFIG_DIR, application, profiles);
  const merged = mergeTrees(...sources.map((s) => s.source));
  const { tree } = applyEnvOverrides(merged, env);
  return validateConfig(application, schema, mergeTrees(tree, options.overrides ?? {}));
}

export function validateConfig<S extends z.ZodType>(
  application: string,
  schema: S,
  tree: ConfigTree,
): z.infer<S> {
  const result = schema.safeParse(tree);
  if (!result.success)
    throw new ConfigError(
      `invalid configuration for ${application}:\n${describeIssues(result.error.issues)}`,
    );
  return result.data;
}

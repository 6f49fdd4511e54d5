import type { z } from 'zod';
import { applyEnvOverrides } from './env-overrides.ts';
import { mergeTrees } from './merge.ts';
import {
  checkProductionRules,
  describeUnsafeSettings,
  isProduction,
  PRODUCTION_PROFILE,
} from './production-safety.ts';
import { productionRulesOf } from './production-safety-rules.ts';
import { encryptedSettings } from './secrets.ts';
import {
  DEFAULT_CONFIG_DIR,
  readLocalSources,
  type ConfigTree,
  type PropertySource,
} from './sources.ts';

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
 * The settings tree a service would run with, before validation: sources merged by
 * precedence, then environment overrides, then explicit overrides.
 */
export function layerSources(
  sources: readonly PropertySource[],
  env: NodeJS.ProcessEnv,
  overrides: ConfigTree = {},
): ConfigTree {
  const merged = mergeTrees(...sources.map((s) => s.source));
  return mergeTrees(applyEnvOverrides(merged, env).tree, overrides);
}

/**
 * The one path from property sources to a validated configuration, used for local files and
 * for answers of the config service alike (at start and on every reload). Throws one
 * ConfigError listing every problem: values still encrypted, what the schema refuses and,
 * under the production profile, every unsafe setting, so an operator fixes them in one go.
 */
export function resolveConfig<S extends z.ZodType>(
  application: string,
  schema: S,
  sources: readonly PropertySource[],
  env: NodeJS.ProcessEnv,
  overrides: ConfigTree = {},
  profiles: readonly string[] = activeProfiles(env),
): z.infer<S> {
  const tree = layerSources(sources, env, overrides);
  const sections: string[] = [];
  // Only the config service can decrypt; a ciphertext must never reach a service as a value.
  const encrypted = encryptedSettings(tree);
  if (encrypted.length > 0)
    sections.push(
      `encrypted values need the config service (or an environment override):\n` +
        encrypted.map((p) => `  - ${p}`).join('\n'),
    );
  const result = schema.safeParse(tree);
  if (!result.success) sections.push(describeIssues(result.error.issues));
  // Over the raw tree, so it runs even when the schema refuses it.
  const unsafe = isProduction(profiles)
    ? checkProductionRules(productionRulesOf(schema), tree)
    : [];
  if (unsafe.length > 0)
    sections.push(
      `unsafe in production (PULSEHUB_PROFILES includes ${PRODUCTION_PROFILE}):\n` +
        describeUnsafeSettings(unsafe),
    );
  if (sections.length > 0 || !result.success)
    throw new ConfigError(`invalid configuration for ${application}:\n${sections.join('\n')}`);
  return result.data;
}

/**
 * A service's configuration from local files only: its files merged by precedence,
 * environment overrides, explicit overrides, then validated against the service's zod schema.
 */
export async function loadServiceConfig<S extends z.ZodType>(
  application: string,
  schema: S,
  options: LoadOptions = {},
): Promise<z.infer<S>> {
  const env = options.env ?? process.env;
  const profiles = options.profiles ?? activeProfiles(env);
  const sources = await readLocalSources(options.dir ?? DEFAULT_CONFIG_DIR, application, profiles);
  return resolveConfig(application, schema, sources, env, options.overrides, profiles);
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

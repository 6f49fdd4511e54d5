import { envName } from './env-overrides.ts';
import type { ConfigTree } from './sources.ts';

/** The profile under which a service refuses development keys, secrets and open settings. */
export const PRODUCTION_PROFILE = 'production';

export function isProduction(profiles: readonly string[]): boolean {
  return profiles.includes(PRODUCTION_PROFILE);
}

/** A setting that must not reach production as it is. */
export interface UnsafeSetting {
  /** Dotted path, list items as `path[index]` (as zod issues are named). */
  setting: string;
  /** What is wrong, never the value itself: it may be a secret. */
  problem: string;
  /** The settings whose environment variables fix it, e.g. [['auth', 'jwksUrl']]. */
  fixWith: ReadonlyArray<readonly string[]>;
}

/**
 * One check of the list. It reads the raw layered settings tree, not the parsed
 * configuration, so it also runs when zod refuses the configuration and every problem is
 * reported in the same message.
 */
export interface ProductionRule {
  /** What it guards, for test names and logs. */
  name: string;
  check(tree: ConfigTree): UnsafeSetting[];
}

/** The raw value at `path`, or undefined when any part of it is missing. */
export function settingAt(tree: ConfigTree, path: readonly string[]): unknown {
  let node: unknown = tree;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as ConfigTree)[key];
  }
  return node;
}

/** A string setting, '' when missing or not a string: missing is as unsafe as empty. */
export function stringAt(tree: ConfigTree, path: readonly string[]): string {
  const value = settingAt(tree, path);
  return typeof value === 'string' ? value : '';
}

/** A finding whose fix is the setting's own environment variable. */
export function unsafe(path: readonly string[], problem: string): UnsafeSetting {
  return { setting: path.join('.'), problem, fixWith: [path] };
}

export function checkProductionRules(
  rules: readonly ProductionRule[],
  tree: ConfigTree,
): UnsafeSetting[] {
  return rules.flatMap((rule) => rule.check(tree));
}

/** One line per unsafe setting: the setting, what is wrong, the environment variable to set. */
export function describeUnsafeSettings(findings: readonly UnsafeSetting[]): string {
  return findings
    .map(
      (finding) =>
        `  - ${finding.setting}: ${finding.problem} ` +
        `(set ${finding.fixWith.map((path) => envName(path)).join(' or ')})`,
    )
    .join('\n');
}

import { mergeTrees } from '../../config/client/merge.ts';
import { readSources, sourceFileNames, type PropertySource } from '../../config/client/sources.ts';
import type { GitRepository } from './git/repository.ts';

/** Application and profile names become file names: letters, digits, `.`, `_`, `-` only. */
const NAME = /^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function isValidName(name: string): boolean {
  return NAME.test(name);
}

/** A request the config service refuses: a malformed name or an unknown label. */
export class EnvironmentRequestError extends Error {
  override readonly name = 'EnvironmentRequestError';
  constructor(
    message: string,
    readonly kind: 'bad-name' | 'unknown-label',
  ) {
    super(message);
  }
}

/** A resolved `{application}/{profile}/{label}`, straight from the repository (secrets raw). */
export interface ResolvedEnvironment {
  name: string;
  /** Active profiles, lowest precedence first; `['default']` when none. */
  profiles: string[];
  /** The label as requested; undefined when the default branch was used. */
  requestedLabel: string | undefined;
  /** The label used: the requested one or the default branch. */
  label: string;
  /** The commit id. */
  version: string;
  /** Lowest precedence first. */
  sources: PropertySource[];
}

export function validateNames(application: string, profiles: readonly string[]): void {
  for (const name of [application, ...profiles])
    if (!isValidName(name))
      throw new EnvironmentRequestError(
        `invalid name "${name}": use letters, digits, ".", "_" and "-"`,
        'bad-name',
      );
}

/**
 * Reads `application`'s files at a label, with the same precedence and parsing as the local
 * files (config/client/sources.ts): application.yml < {app}.yml < {app}-{profile}.yml.
 */
export async function resolveEnvironment(
  repo: GitRepository,
  application: string,
  profiles: readonly string[],
  label: string | undefined,
): Promise<ResolvedEnvironment> {
  validateNames(application, profiles);
  const used = label ?? repo.branch;
  const version = await repo.resolve(used);
  if (version === undefined)
    throw new EnvironmentRequestError(`no branch, tag or commit named "${used}"`, 'unknown-label');
  const files = await repo.readFiles(version, sourceFileNames(application, profiles));
  return {
    name: application,
    profiles: profiles.length === 0 ? ['default'] : [...profiles],
    requestedLabel: label,
    label: used,
    version,
    sources: await readSources((name) => Promise.resolve(files.get(name)), application, profiles),
  };
}

export function mergedValues(sources: readonly PropertySource[]) {
  return mergeTrees(...sources.map((s) => s.source));
}

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT, repoPath } from '../../schema/repo-root.ts';

/** The default configuration repository: the `config/` folder of this checkout. */
export const DEFAULT_CONFIG_DIR = repoPath('config');

/** The root of this checkout; relative paths in settings (data folders) resolve against it. */
export const CHECKOUT_ROOT = REPO_ROOT;

export type ConfigTree = Record<string, unknown>;

/** One file's contribution, in the Spring Cloud Config `propertySources` sense. */
export interface PropertySource {
  name: string;
  source: ConfigTree;
}

/** Reads one configuration file by name; `undefined` when it does not exist. */
export type ReadConfigFile = (name: string) => Promise<string | undefined>;

/** The shared file every application reads, and the application name that stands for it. */
export const SHARED_APPLICATION = 'application';

/**
 * The files that configure `application` under `profiles`, lowest precedence first:
 * application.yml < {application}.yml < {application}-{profile}.yml (later profiles win).
 */
export function sourceFileNames(application: string, profiles: readonly string[]): string[] {
  const names = [
    `${SHARED_APPLICATION}.yml`,
    `${application}.yml`,
    ...profiles.map((p) => `${application}-${p}.yml`),
  ];
  return [...new Set(names)];
}

/**
 * A profile argument as Spring Cloud Config takes it: a comma list, lowest precedence first.
 * `default` (or nothing) means no profile-specific file.
 */
export function parseProfiles(profile: string | undefined): string[] {
  return (profile ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '' && p !== 'default');
}

/** The sources of `application` under `profiles`, lowest precedence first; missing files skipped. */
export async function readSources(
  read: ReadConfigFile,
  application: string,
  profiles: readonly string[],
): Promise<PropertySource[]> {
  const sources: PropertySource[] = [];
  for (const name of sourceFileNames(application, profiles)) {
    const text = await read(name);
    if (text !== undefined) sources.push({ name, source: parseYamlTree(text, name) });
  }
  return sources;
}

/** A reader over a plain directory of YAML files. */
export function directoryReader(dir: string): ReadConfigFile {
  return async (name) => {
    try {
      return await readFile(path.join(dir, name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  };
}

/** Reads the existing files of a configuration directory; a missing file contributes nothing. */
export function readLocalSources(
  dir: string,
  application: string,
  profiles: readonly string[],
): Promise<PropertySource[]> {
  return readSources(directoryReader(dir), application, profiles);
}

export function parseYamlTree(text: string, name: string): ConfigTree {
  const parsed: unknown = parse(text);
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Error(`${name}: the top level must be a mapping`);
  return parsed as ConfigTree;
}

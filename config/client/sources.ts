import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** The default configuration repository: the `config/` folder of this checkout. */
export const DEFAULT_CONFIG_DIR = fileURLToPath(new URL('..', import.meta.url));

export type ConfigTree = Record<string, unknown>;

/** One file's contribution, in the Spring Cloud Config `propertySources` sense. */
export interface PropertySource {
  name: string;
  source: ConfigTree;
}

/**
 * The files that configure `application` under `profiles`, lowest precedence first:
 * application.yml < {application}.yml < {application}-{profile}.yml (later profiles win).
 */
export function sourceFileNames(application: string, profiles: readonly string[]): string[] {
  return [
    'application.yml',
    `${application}.yml`,
    ...profiles.map((p) => `${application}-${p}.yml`),
  ];
}

/** Reads the existing files of a configuration directory; a missing file contributes nothing. */
export async function readLocalSources(
  dir: string,
  application: string,
  profiles: readonly string[],
): Promise<PropertySource[]> {
  const sources: PropertySource[] = [];
  for (const name of sourceFileNames(application, profiles)) {
    let text: string;
    try {
      text = await readFile(path.join(dir, name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    sources.push({ name, source: parseYamlTree(text, name) });
  }
  return sources;
}

export function parseYamlTree(text: string, name: string): ConfigTree {
  const parsed: unknown = parse(text);
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Error(`${name}: the top level must be a mapping`);
  return parsed as ConfigTree;
}

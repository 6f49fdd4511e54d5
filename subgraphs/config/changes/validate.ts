import { mergeTrees } from '../../../config/client/merge.ts';
import {
  readSources,
  SHARED_APPLICATION,
  type ConfigTree,
  type ReadConfigFile,
} from '../../../config/client/sources.ts';
import type { Cipher } from '../secrets/cipher.ts';
import { decryptSecrets } from '../secrets/mask.ts';
import { SERVICE_SCHEMAS } from '../registry.ts';

/** Why a configuration is refused, addressed to the setting. */
export interface ConfigProblem {
  application: string;
  /** Dotted path of the setting; empty for the file as a whole. */
  path: string;
  message: string;
}

export interface ValidationInput {
  /** The application whose file changes; `application` for the shared file. */
  application: string;
  /** Reads a file of the candidate tree (the change applied on top of the branch). */
  read: ReadConfigFile;
  /** Root file names of the candidate tree (to find every profile file). */
  files: readonly string[];
  cipher: Cipher;
  /**
   * The checked-in defaults the services layer under the repository's files (their own
   * config/ folder); undefined when there are none.
   */
  defaults?: ReadConfigFile;
  /** Settings the change sets: each must be one the application knows. */
  setSettings?: readonly string[];
}

function hasPath(tree: unknown, path: readonly string[]): boolean {
  let node = tree;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || Array.isArray(node) || !(key in node))
      return false;
    node = (node as ConfigTree)[key];
  }
  return true;
}

/** The profiles that have a file of their own for `application`. */
export function profilesWithFiles(application: string, files: readonly string[]): string[] {
  const prefix = `${application}-`;
  return files
    .filter((f) => f.startsWith(prefix) && f.endsWith('.yml'))
    .map((f) => f.slice(prefix.length, -'.yml'.length))
    .filter((p) => p !== '');
}

/**
 * Validates the candidate configuration of every application the change affects (all of them
 * for application.yml), under no profile and under each profile that has a file, exactly as
 * the services will: over the checked-in defaults, merged by precedence, secrets decrypted,
 * parsed by the service's schema.
 * A setting the change sets that no affected schema knows is refused as unknown.
 */
export async function validateCandidate(input: ValidationInput): Promise<ConfigProblem[]> {
  const shared = input.application === SHARED_APPLICATION;
  const targets = shared ? [...SERVICE_SCHEMAS.keys()] : [input.application];
  const problems: ConfigProblem[] = [];
  const known = new Set<string>();
  let parsedAny = false;
  for (const application of targets) {
    const schema = SERVICE_SCHEMAS.get(application);
    if (schema === undefined) {
      problems.push({
        application,
        path: '',
        message: `unknown application "${application}"; known: ${[...SERVICE_SCHEMAS.keys()].join(', ')}, or ${SHARED_APPLICATION} for the shared file`,
      });
      continue;
    }
    for (const profiles of [[], ...profilesWithFiles(application, input.files).map((p) => [p])]) {
      const sources = [
        ...(input.defaults ? await readSources(input.defaults, application, profiles) : []),
        ...(await readSources(input.read, application, profiles)),
      ];
      const { tree, failures } = decryptSecrets(
        mergeTrees(...sources.map((s) => s.source)),
        input.cipher,
      );
      const where = profiles.length === 0 ? '' : ` (profile ${profiles.join(',')})`;
      for (const path of failures)
        problems.push({ application, path, message: `cannot decrypt this {cipher} value${where}` });
      const result = schema.safeParse(tree);
      if (!result.success) {
        for (const issue of result.error.issues)
          problems.push({
            application,
            path: issue.path.join('.'),
            message: `${issue.message}${where}`,
          });
        continue;
      }
      parsedAny = true;
      for (const setting of input.setSettings ?? [])
        if (hasPath(result.data, setting.split('.'))) known.add(setting);
    }
  }
  // Settings are known by the parsed configurations; with none parsed, the problems above say why.
  if (parsedAny)
    for (const setting of input.setSettings ?? [])
      if (!known.has(setting))
        problems.push({
          application: input.application,
          path: setting,
          message: `unknown setting: ${shared ? 'no service' : input.application} reads ${setting}`,
        });
  return dedupe(problems);
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.application}\0${p.path}\0${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The problems of a candidate that the current configuration does not already have. A profile
 * can be incomplete on purpose (production files leave secrets to environment variables), so a
 * change is refused only for what it breaks, not for what was already missing.
 */
export function introducedProblems(
  candidate: readonly ConfigProblem[],
  current: readonly ConfigProblem[],
): ConfigProblem[] {
  const key = (p: ConfigProblem) => `${p.application}\u0000${p.path}\u0000${p.message}`;
  const existing = new Set(current.map(key));
  return candidate.filter((problem) => !existing.has(key(problem)));
}

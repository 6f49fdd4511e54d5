import { changedSettings } from '../../../config/client/live.ts';
import {
  parseProfiles,
  parseYamlTree,
  SHARED_APPLICATION,
  type ConfigTree,
  type ReadConfigFile,
} from '../../../config/client/sources.ts';
import { isValidName } from '../environment.ts';
import type { GitIdentity } from '../git/git-output.ts';
import { ConcurrentUpdateError, type GitRepository } from '../git/repository.ts';
import type { Cipher } from '../secrets/cipher.ts';
import { applyMergePatch, patchedSettings } from './merge-patch.ts';
import { introducedProblems, validateCandidate, type ConfigProblem } from './validate.ts';

export interface SetConfigInput {
  application: string;
  /** `default` edits {application}.yml; a profile edits {application}-{profile}.yml. */
  profile: string;
  /** A JSON merge patch of settings: objects merge, null removes, anything else replaces. */
  values: unknown;
  message?: string | undefined;
  author: GitIdentity;
}

export interface SetConfigResult {
  ok: boolean;
  version?: string;
  file?: string;
  /** Settings whose value changed. */
  changed: string[];
  errors: ConfigProblem[];
}

/** What happened, for the store to count, log and announce. */
export type ChangeOutcome =
  | { kind: 'refused'; result: SetConfigResult }
  | { kind: 'unchanged'; result: SetConfigResult }
  | { kind: 'committed'; result: SetConfigResult; parent: string; message: string };

function isTree(value: unknown): value is ConfigTree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refused(application: string, message: string, file?: string): ChangeOutcome {
  return {
    kind: 'refused',
    result: {
      ok: false,
      ...(file === undefined ? {} : { file }),
      changed: [],
      errors: [{ application, path: '', message }],
    },
  };
}

/** The file a setConfig edits, or why the request itself is refused. */
function targetFile(input: SetConfigInput): string | ChangeOutcome {
  const { application, values } = input;
  if (!isValidName(application))
    return refused(application, `invalid application name "${application}"`);
  const profiles = parseProfiles(input.profile);
  if (profiles.length > 1) return refused(application, 'setConfig edits one profile at a time');
  if (profiles.some((p) => !isValidName(p)))
    return refused(application, `invalid profile "${input.profile}"`);
  if (application === SHARED_APPLICATION && profiles.length > 0)
    return refused(
      application,
      'application-{profile}.yml is not read; set the profile on each application',
    );
  if (!isTree(values) || Object.keys(values).length === 0)
    return refused(application, 'values must be a non-empty JSON object of settings');
  return profiles.length === 0 ? `${application}.yml` : `${application}-${profiles[0]}.yml`;
}

/**
 * One setConfig: the merge patch applied to the file at the branch head, the result validated
 * as every affected service will read it, then one commit (redone on top when a direct commit
 * moved the branch meanwhile). Callers run one at a time.
 */
export async function makeChange(
  repo: GitRepository,
  check: { cipher: Cipher; defaults: ReadConfigFile },
  input: SetConfigInput,
): Promise<ChangeOutcome> {
  const { application } = input;
  const values = input.values as ConfigTree;
  const file = targetFile(input);
  if (typeof file !== 'string') return file;
  for (let attempt = 0; attempt < 3; attempt++) {
    const head = await repo.resolve(repo.branch);
    if (head === undefined) throw new Error(`branch ${repo.branch} is gone`);
    const current = (await repo.readFiles(head, [file])).get(file);
    let next: string;
    let changed: string[];
    try {
      next = applyMergePatch(current, values);
      const before = current === undefined ? {} : parseYamlTree(current, file);
      changed = changedSettings(before, parseYamlTree(next, file));
    } catch (error) {
      return refused(application, `${file} is not valid YAML: ${(error as Error).message}`, file);
    }
    if (changed.length === 0)
      return { kind: 'unchanged', result: { ok: true, version: head, file, changed, errors: [] } };
    const readHead: ReadConfigFile = async (name) => (await repo.readFiles(head, [name])).get(name);
    const headFiles = await repo.listFiles(head);
    const candidateProblems = await validateCandidate({
      application,
      read: async (name) => (name === file ? next : readHead(name)),
      files: [...new Set([...headFiles, file])],
      ...check,
      setSettings: patchedSettings(values).set,
    });
    const errors =
      candidateProblems.length === 0
        ? []
        : introducedProblems(
            candidateProblems,
            await validateCandidate({ application, read: readHead, files: headFiles, ...check }),
          );
    if (errors.length > 0)
      return { kind: 'refused', result: { ok: false, file, changed: [], errors } };
    const message = input.message?.trim() || `Set ${changed.join(', ')} in ${file}`;
    try {
      const version = await repo.commit({
        parent: head,
        files: { [file]: next },
        message,
        author: input.author,
      });
      return {
        kind: 'committed',
        result: { ok: true, version, file, changed, errors: [] },
        parent: head,
        message,
      };
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError)) throw error;
      // A direct commit landed between our read and our write: redo on top of it.
    }
  }
  throw new Error(`${repo.branch} kept moving while committing; try again`);
}

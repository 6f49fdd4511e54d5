import { Counter, type Registry } from 'prom-client';
import type { ConfigNotice } from '../../config/client/bus.ts';
import { changedSettings } from '../../config/client/live.ts';
import {
  parseProfiles,
  parseYamlTree,
  SHARED_APPLICATION,
  type ConfigTree,
} from '../../config/client/sources.ts';
import type { Component } from '../../lib/lifecycle.ts';
import type { Logger } from '../../lib/logger.ts';
import { applyMergePatch, patchedSettings } from './changes/merge-patch.ts';
import { validateCandidate, type ConfigProblem } from './changes/validate.ts';
import { isValidName, resolveEnvironment, type ResolvedEnvironment } from './environment.ts';
import type { CommitInfo, GitIdentity } from './git/git-output.ts';
import { ConcurrentUpdateError, type GitRepository } from './git/repository.ts';
import { createCipher, type Cipher } from './secrets/cipher.ts';
import { SERVICE_SCHEMAS } from './registry.ts';

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

export interface RefreshResult {
  version: string;
  changed: boolean;
  applications: string[];
  errors: ConfigProblem[];
}

export interface ConfigStoreDeps {
  repo: GitRepository;
  keyMaterial(): Promise<string>;
  publish(notice: ConfigNotice): Promise<void>;
  logger: Logger;
  /** 0 turns polling for direct commits off. */
  pollIntervalMs: number;
  metrics: Registry;
}

export interface ConfigStore extends Component {
  /** The repository's location, as Spring names it in property source names. */
  readonly uri: string;
  environment(
    application: string,
    profiles: readonly string[],
    label: string | undefined,
  ): Promise<ResolvedEnvironment>;
  cipher(): Cipher;
  setConfig(input: SetConfigInput): Promise<SetConfigResult>;
  refresh(origin: 'refreshConfig' | 'poll'): Promise<RefreshResult>;
  history(application: string, first: number): Promise<CommitInfo[]>;
}

function isTree(value: unknown): value is ConfigTree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The applications a set of changed files concerns (`application` for application.yml). */
export function applicationsOf(files: readonly string[]): string[] {
  const apps = new Set<string>();
  for (const file of files) {
    if (!file.endsWith('.yml')) continue;
    const base = file.slice(0, -'.yml'.length);
    apps.add(base);
    // {application}-{profile}.yml; an application name may itself hold a dash.
    if (base.includes('-')) apps.add(base.slice(0, base.indexOf('-')));
  }
  return [...apps]
    .filter((app) => app === SHARED_APPLICATION || !app.startsWith(`${SHARED_APPLICATION}-`))
    .sort();
}

function refused(application: string, message: string, path = ''): SetConfigResult {
  return { ok: false, changed: [], errors: [{ application, path, message }] };
}

/**
 * The configuration repository as the rest of the service sees it: resolve, change (validated,
 * one commit at a time), notice direct commits (refreshConfig, poll) and broadcast changes.
 */
export function createConfigStore(deps: ConfigStoreDeps): ConfigStore {
  const { repo, logger } = deps;
  let cipher: Cipher | undefined;
  let lastSeen = '';
  let pollTimer: NodeJS.Timeout | undefined;
  // Writes and refreshes one at a time, so each commit builds on the last and is announced once.
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };
  const changes = new Counter({
    name: 'pulsehub_config_changes_total',
    help: 'setConfig calls by result (committed, unchanged, rejected).',
    labelNames: ['result'],
    registers: [deps.metrics],
  });
  const refreshes = new Counter({
    name: 'pulsehub_config_refreshes_total',
    help: 'Direct commits picked up, by origin (refreshConfig, poll).',
    labelNames: ['origin'],
    registers: [deps.metrics],
  });

  const currentCipher = (): Cipher => {
    if (cipher === undefined) throw new Error('the config store is not started');
    return cipher;
  };

  async function announce(
    from: string,
    to: string,
    origin: string,
    extra: { author?: string; message?: string } = {},
  ): Promise<string[]> {
    const files = await repo.changedFiles(from, to).catch(() => [`${SHARED_APPLICATION}.yml`]);
    const applications = applicationsOf(files);
    lastSeen = to;
    if (applications.length === 0) return applications;
    const notice: ConfigNotice = {
      applications,
      version: to,
      label: repo.branch,
      origin,
      ...extra,
      at: new Date().toISOString(),
    };
    await deps.publish(notice).catch((error: unknown) =>
      // Services catch up when their subscription comes back (they re-fetch then).
      logger.error(
        { err: (error as Error).message, version: to },
        'could not broadcast a configuration change',
      ),
    );
    return applications;
  }

  async function validateAt(
    commit: string,
    applications: readonly string[],
  ): Promise<ConfigProblem[]> {
    const files = await repo.listFiles(commit);
    const read = async (name: string) => (await repo.readFiles(commit, [name])).get(name);
    const targets = applications.includes(SHARED_APPLICATION)
      ? [SHARED_APPLICATION]
      : applications.filter((app) => SERVICE_SCHEMAS.has(app));
    const problems: ConfigProblem[] = [];
    for (const application of targets)
      problems.push(
        ...(await validateCandidate({ application, read, files, cipher: currentCipher() })),
      );
    return problems;
  }

  async function setConfigNow(input: SetConfigInput): Promise<SetConfigResult> {
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
    const file = profiles.length === 0 ? `${application}.yml` : `${application}-${profiles[0]}.yml`;
    for (let attempt = 0; attempt < 3; attempt++) {
      const head = await repo.resolve(repo.branch);
      if (head === undefined) throw new Error(`branch ${repo.branch} is gone`);
      const current = (await repo.readFiles(head, [file])).get(file);
      let next: string;
      let before: ConfigTree;
      let after: ConfigTree;
      try {
        next = applyMergePatch(current, values);
        before = current === undefined ? {} : parseYamlTree(current, file);
        after = parseYamlTree(next, file);
      } catch (error) {
        return refused(application, `${file} is not valid YAML: ${(error as Error).message}`);
      }
      const changed = changedSettings(before, after);
      if (changed.length === 0) {
        changes.inc({ result: 'unchanged' });
        return { ok: true, version: head, file, changed, errors: [] };
      }
      const files = [...new Set([...(await repo.listFiles(head)), file])];
      const read = async (name: string) =>
        name === file ? next : (await repo.readFiles(head, [name])).get(name);
      const errors = await validateCandidate({
        application,
        read,
        files,
        cipher: currentCipher(),
        setSettings: patchedSettings(values).set,
      });
      if (errors.length > 0) {
        changes.inc({ result: 'rejected' });
        logger.warn(
          { application, file, settings: errors.map((e) => e.path) },
          'configuration change refused',
        );
        return { ok: false, file, changed: [], errors };
      }
      const message = input.message?.trim() || `Set ${changed.join(', ')} in ${file}`;
      let version: string;
      try {
        version = await repo.commit({
          parent: head,
          files: { [file]: next },
          message,
          author: input.author,
        });
      } catch (error) {
        if (error instanceof ConcurrentUpdateError) continue; // a direct commit landed: redo on top
        throw error;
      }
      changes.inc({ result: 'committed' });
      // Names only: values may be secrets.
      logger.info(
        { application, file, version, author: input.author.name, settings: changed },
        'configuration committed',
      );
      await announce(lastSeen || head, version, 'setConfig', {
        author: input.author.name,
        message,
      });
      return { ok: true, version, file, changed, errors: [] };
    }
    throw new Error(`${repo.branch} kept moving while committing; try again`);
  }

  async function refreshNow(origin: 'refreshConfig' | 'poll'): Promise<RefreshResult> {
    const head = await repo.resolve(repo.branch);
    if (head === undefined) throw new Error(`branch ${repo.branch} is gone`);
    if (head === lastSeen) return { version: head, changed: false, applications: [], errors: [] };
    const previous = lastSeen;
    const changedApps = await repo
      .changedFiles(previous, head)
      .then(applicationsOf, () => [SHARED_APPLICATION]);
    const errors = await validateAt(head, changedApps);
    if (errors.length > 0)
      logger.warn(
        { version: head, settings: errors.map((e) => `${e.application}:${e.path}`) },
        'a direct commit holds invalid configuration; services keep their current one',
      );
    const applications = await announce(previous, head, origin);
    refreshes.inc({ origin });
    logger.info({ origin, version: head, applications }, 'picked up a direct commit');
    return { version: head, changed: true, applications, errors };
  }

  return {
    name: 'config-store',
    uri: repo.uri,
    async start() {
      await repo.start();
      cipher = createCipher(await deps.keyMaterial());
      lastSeen = (await repo.resolve(repo.branch)) ?? '';
      if (deps.pollIntervalMs > 0) {
        pollTimer = setInterval(() => {
          void serially(() => refreshNow('poll')).catch((error: unknown) =>
            logger.error({ err: (error as Error).message }, 'configuration poll failed'),
          );
        }, deps.pollIntervalMs);
        pollTimer.unref();
      }
    },
    async stop() {
      clearInterval(pollTimer);
      await queue;
      await repo.stop();
    },
    ready: () => repo.ready(),
    environment: (application, profiles, label) =>
      resolveEnvironment(repo, application, profiles, label),
    cipher: currentCipher,
    setConfig: (input) => serially(() => setConfigNow(input)),
    refresh: (origin) => serially(() => refreshNow(origin)),
    history(application, first) {
      if (!isValidName(application)) throw new Error(`invalid application name "${application}"`);
      const pathspecs =
        application === SHARED_APPLICATION
          ? [`${SHARED_APPLICATION}.yml`]
          : [`${SHARED_APPLICATION}.yml`, `${application}.yml`, `${application}-*.yml`];
      return repo.history(repo.branch, pathspecs, Math.min(Math.max(first, 1), 100));
    },
  };
}

import { Counter, type Registry } from 'prom-client';
import type { ConfigNotice } from '../../config/client/bus.ts';
import { directoryReader, SHARED_APPLICATION } from '../../config/client/sources.ts';
import type { Component } from '../../lib/lifecycle.ts';
import type { Logger } from '../../lib/logger.ts';
import { makeChange, type SetConfigInput, type SetConfigResult } from './changes/set-config.ts';
import { introducedProblems, validateCandidate, type ConfigProblem } from './changes/validate.ts';
import { isValidName, resolveEnvironment, type ResolvedEnvironment } from './environment.ts';
import type { CommitInfo } from './git/git-output.ts';
import type { GitRepository } from './git/repository.ts';
import { createCipher, type Cipher } from './secrets/cipher.ts';
import { SERVICE_SCHEMAS } from './registry.ts';

export type { SetConfigInput, SetConfigResult };

export interface RefreshResult {
  version: string;
  changed: boolean;
  applications: string[];
  errors: ConfigProblem[];
}

export interface ConfigStoreDeps {
  repo: GitRepository;
  /** The checked-in defaults services layer under the repository (the seed folder). */
  defaultsDir: string;
  keyMaterial(): Promise<string>;
  /** Keys that still decrypt `{cipher}` values during a rotation (`encrypt.previousKeys`). */
  previousKeys?: readonly string[];
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
    help: 'setConfig calls by result (committed, unchanged, refused).',
    labelNames: ['result'],
    registers: [deps.metrics],
  });
  const refreshes = new Counter({
    name: 'pulsehub_config_refreshes_total',
    help: 'Direct commits picked up, by origin (refreshConfig, poll).',
    labelNames: ['origin'],
    registers: [deps.metrics],
  });

  const defaults = directoryReader(deps.defaultsDir);
  const check = () => ({ cipher: currentCipher(), defaults });
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
      problems.push(...(await validateCandidate({ application, read, files, ...check() })));
    return problems;
  }

  async function setConfigNow(input: SetConfigInput): Promise<SetConfigResult> {
    const outcome = await makeChange(repo, check(), input);
    const { application } = input;
    const { result } = outcome;
    changes.inc({ result: outcome.kind });
    // Setting names only in logs: values may be secrets.
    switch (outcome.kind) {
      case 'refused':
        logger.warn(
          { application, file: result.file, settings: result.errors.map((e) => e.path) },
          'configuration change refused',
        );
        break;
      case 'unchanged':
        break;
      case 'committed':
        logger.info(
          {
            application,
            file: result.file,
            version: result.version,
            author: input.author.name,
            settings: result.changed,
          },
          'configuration committed',
        );
        await announce(lastSeen || outcome.parent, result.version ?? '', 'setConfig', {
          author: input.author.name,
          message: outcome.message,
        });
        break;
      default:
        outcome satisfies never;
    }
    return result;
  }

  async function refreshNow(origin: 'refreshConfig' | 'poll'): Promise<RefreshResult> {
    const head = await repo.resolve(repo.branch);
    if (head === undefined) throw new Error(`branch ${repo.branch} is gone`);
    if (head === lastSeen) return { version: head, changed: false, applications: [], errors: [] };
    const previous = lastSeen;
    const changedApps = await repo
      .changedFiles(previous, head)
      .then(applicationsOf, () => [SHARED_APPLICATION]);
    // Only what the new commits break: a profile may be incomplete on purpose (see setConfig).
    const candidate = await validateAt(head, changedApps);
    const errors =
      candidate.length === 0 || previous === ''
        ? candidate
        : introducedProblems(candidate, await validateAt(previous, changedApps));
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
      cipher = createCipher(await deps.keyMaterial(), deps.previousKeys);
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

// `npm start` keeps the configuration folder (config/, what a developer edits) and the git
// repository the Config service serves (.data/config-repo, seeded once from config/) equal:
// config/ is committed at start and on every edit, so an edit has effect (live settings live,
// the others at the next start). config/ wins over changes made through setConfig; the start
// output names every setting it replaced. Production serves the operator's repository and
// never runs this.
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { validateConfig } from '../../config/client/load.ts';
import { CHECKOUT_ROOT } from '../../config/client/sources.ts';
import { createLogger } from '../../lib/logger.ts';
import { configServiceConfigSchema } from '../../subgraphs/config/config.ts';
import {
  describeReplaced,
  syncFolder,
  type FolderSyncOptions,
  type SyncReason,
} from '../../subgraphs/config/git/folder-sync.ts';
import { createGitRepository } from '../../subgraphs/config/git/repository.ts';
import { settingsTree } from './service-settings.ts';

/** An editor's save is several file events: commit once they have settled. */
const DEBOUNCE_MS = 200;

const repositorySchema = z.object({ repository: configServiceConfigSchema.shape.repository });

export interface ConfigFolderSync {
  /** Stops watching the folder. */
  close(): void;
}

/**
 * Opens (or creates, seeded from `folder`) the repository the Config service will serve, as it
 * resolves it (same files and environment), and commits the folder's differences.
 */
export async function applyConfigFolder(options: {
  folder: string;
  env: NodeJS.ProcessEnv;
  say: (line: string) => void;
}): Promise<FolderSyncOptions> {
  const { folder, env, say } = options;
  const tree = await settingsTree('config', { env, dir: folder });
  const { repository } = validateConfig('config', repositorySchema, tree);
  const repo = createGitRepository({
    dir: path.resolve(CHECKOUT_ROOT, repository.path),
    seedFrom: folder,
    branch: repository.branch,
    committer: repository.committer,
    // Everything worth saying is said below, in the start output's words.
    logger: createLogger('start', 'silent'),
  });
  await repo.start();
  const sync: FolderSyncOptions = { repo, folder, author: repository.committer };
  await syncAndSay(sync, 'at npm start', say);
  return sync;
}

async function syncAndSay(
  sync: FolderSyncOptions,
  reason: SyncReason,
  say: (line: string) => void,
): Promise<void> {
  const name = `${path.basename(sync.folder)}/`;
  const { applied, replaced } = await syncFolder(sync, reason);
  if (applied.length === 0) {
    if (reason === 'at npm start') say(`config: ${name} and ${sync.repo.dir} agree`);
    return;
  }
  say(`config: applied ${name} ${reason} to ${sync.repo.dir}: ${applied.join(', ')}`);
  if (replaced.length > 0)
    say(
      `config: ${name} wins over changes made through setConfig; replaced:\n` +
        describeReplaced(replaced, path.basename(sync.folder)).join('\n'),
    );
}

/**
 * Commits every later edit of the folder's `*.yml` files within about a second; the Config
 * service's poll (repository.pollIntervalMs) then announces it to the services.
 */
export function watchConfigFolder(
  sync: FolderSyncOptions,
  say: (line: string) => void,
): ConfigFolderSync {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const commit = () => {
    running = running
      .then(() => syncAndSay(sync, 'edited while npm start runs', say))
      .catch((error: unknown) =>
        say(`config: committing ${sync.folder} failed: ${(error as Error).message}`),
      );
  };
  const watcher: FSWatcher = watch(sync.folder, (_event, file) => {
    if (file !== null && !file.endsWith('.yml')) return;
    clearTimeout(timer);
    timer = setTimeout(commit, DEBOUNCE_MS);
  });
  watcher.unref();
  return {
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}

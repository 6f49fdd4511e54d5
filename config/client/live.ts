import { leaves } from './merge.ts';
import type { ConfigTree } from './sources.ts';

/** Where log lines of the config client go: the service's logger (pino-compatible). */
export interface ConfigLogger {
  debug(object: object, message: string): void;
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export type ConfigListener<T> = (next: T, previous: T) => void;

/**
 * A service's configuration that follows the config service while the service runs. Read
 * `current()` where a setting is used (never cache it in a closure at start), or subscribe
 * with `onChange` to rebuild what depends on it.
 */
export interface LiveConfig<T> {
  /** The configuration in force. */
  current(): T;
  /** The commit it was read from; undefined when it came from local files. */
  version(): string | undefined;
  /**
   * Calls `listener` after every accepted change that touches one of `settings` (dotted
   * paths; a path covers everything below it, e.g. `processor.segments`). The listed settings
   * count as applied live: a change to any setting no listener covers is logged as needing a
   * restart. Without `settings` the listener hears every change and marks nothing live.
   * Returns a function that removes the listener.
   */
  onChange(listener: ConfigListener<T>, settings?: readonly string[]): () => void;
  /**
   * Declares settings the service reads through `current()` each time it uses them (a getter
   * handed to a component), so their changes count as applied live.
   */
  readsLive(...settings: string[]): void;
}

export type ApplyOutcome =
  | { status: 'unchanged' }
  | { status: 'applied'; changed: string[]; live: string[]; restartRequired: string[] };

/** The owner's side of a LiveConfig: swaps in a validated configuration. */
export interface LiveConfigController<T> extends LiveConfig<T> {
  apply(next: T, version: string | undefined): ApplyOutcome;
}

function serialize(value: unknown): string {
  return JSON.stringify(value) ?? 'undefined';
}

/** Dotted paths of the settings whose values differ (lists compare whole). */
export function changedSettings(previous: ConfigTree, next: ConfigTree): string[] {
  const before = new Map(leaves(previous).map(([path, value]) => [path.join('.'), value]));
  const after = new Map(leaves(next).map(([path, value]) => [path.join('.'), value]));
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names]
    .filter((name) => serialize(before.get(name)) !== serialize(after.get(name)))
    .sort();
}

export function covers(setting: string, path: string): boolean {
  return path === setting || path.startsWith(`${setting}.`);
}

export function createLiveConfig<T>(
  initial: T,
  initialVersion: string | undefined,
  logger: ConfigLogger,
): LiveConfigController<T> {
  let config = initial;
  let version = initialVersion;
  const listeners = new Set<{ listener: ConfigListener<T>; settings?: readonly string[] }>();
  const readLive = new Set<string>();

  return {
    current: () => config,
    version: () => version,
    onChange(listener, settings) {
      const entry = settings === undefined ? { listener } : { listener, settings };
      listeners.add(entry);
      return () => void listeners.delete(entry);
    },
    readsLive(...settings) {
      for (const setting of settings) readLive.add(setting);
    },
    apply(next, nextVersion) {
      const changed = changedSettings(config as ConfigTree, next as ConfigTree);
      version = nextVersion;
      if (changed.length === 0) return { status: 'unchanged' };
      const previous = config;
      config = next;
      const watched = [...readLive, ...[...listeners].flatMap((entry) => entry.settings ?? [])];
      const live = changed.filter((path) => watched.some((setting) => covers(setting, path)));
      const restartRequired = changed.filter((path) => !live.includes(path));
      // Setting names only: values may be secrets.
      logger.info({ version: nextVersion, settings: live }, 'configuration change applied');
      if (restartRequired.length > 0)
        logger.warn(
          { version: nextVersion, settings: restartRequired },
          'configuration changed for settings that take effect only after a restart',
        );
      for (const { listener, settings } of listeners) {
        if (settings !== undefined && !changed.some((p) => settings.some((s) => covers(s, p))))
          continue;
        try {
          listener(next, previous);
        } catch (error) {
          logger.error({ err: error }, 'configuration listener failed');
        }
      }
      return { status: 'applied', changed, live, restartRequired };
    },
  };
}

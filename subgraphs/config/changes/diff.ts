import { changedSettings } from '../../../config/client/live.ts';
import type { ConfigTree } from '../../../config/client/sources.ts';
import { maskSecrets } from '../secrets/mask.ts';

export type SettingChangeKind = 'ADDED' | 'REMOVED' | 'CHANGED';

/** One setting that differs between two versions, values masked for display. */
export interface SettingChange {
  key: string;
  kind: SettingChangeKind;
  before: unknown;
  after: unknown;
}

function valueAt(tree: ConfigTree, key: string): unknown {
  let node: unknown = tree;
  for (const part of key.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as ConfigTree)[part];
  }
  return node;
}

/**
 * The settings that differ between two merged configurations. Compared on the stored values
 * (so a re-encrypted secret shows as changed), shown masked.
 */
export function diffSettings(before: ConfigTree, after: ConfigTree): SettingChange[] {
  const shownBefore = maskSecrets(before);
  const shownAfter = maskSecrets(after);
  return changedSettings(before, after).map((key) => {
    const was = valueAt(shownBefore, key);
    const is = valueAt(shownAfter, key);
    return {
      key,
      kind: was === undefined ? 'ADDED' : is === undefined ? 'REMOVED' : 'CHANGED',
      before: was ?? null,
      after: is ?? null,
    };
  });
}

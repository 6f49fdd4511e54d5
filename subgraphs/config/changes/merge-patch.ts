import { isMap, isNode, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import type { ConfigTree } from '../../../config/client/sources.ts';

function isTree(value: unknown): value is ConfigTree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Applies a JSON merge patch (RFC 7396) to a YAML file, keeping its comments and layout:
 * mappings merge key by key, `null` removes a setting, anything else (lists included)
 * replaces the value. Throws when the file is not valid YAML.
 */
export function applyMergePatch(text: string | undefined, patch: ConfigTree): string {
  const doc: Document = parseDocument(text ?? '');
  if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join('; '));
  if (!isMap(doc.contents)) doc.contents = doc.createNode({});
  const walk = (node: ConfigTree, at: readonly string[]): void => {
    for (const [key, value] of Object.entries(node)) {
      const path = [...at, key];
      if (value === null) doc.deleteIn(path);
      else if (isTree(value) && isMap(doc.getIn(path, true))) walk(value, path);
      else {
        // Edit the existing node where the kinds match, so its comments stay where they were.
        const previous: unknown = doc.getIn(path, true);
        const node = doc.createNode(value);
        if (isSeq(previous) && isSeq(node)) previous.items = node.items;
        else if (isScalar(previous) && isScalar(node)) previous.value = node.value;
        else {
          if (isNode(previous) && previous.comment !== undefined) node.comment = previous.comment;
          doc.setIn(path, node);
        }
      }
    }
  };
  walk(patch, []);
  return doc.toString();
}

/** The settings a patch sets (`set`) and removes (`removed`), as dotted paths. */
export function patchedSettings(patch: ConfigTree): { set: string[]; removed: string[] } {
  const set: string[] = [];
  const removed: string[] = [];
  const walk = (node: ConfigTree, at: string): void => {
    for (const [key, value] of Object.entries(node)) {
      const path = at === '' ? key : `${at}.${key}`;
      if (value === null) removed.push(path);
      else if (isTree(value) && Object.keys(value).length > 0) walk(value, path);
      else set.push(path);
    }
  };
  walk(patch, '');
  return { set, removed };
}

import type { ConfigTree } from './sources.ts';

function isTree(value: unknown): value is ConfigTree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep-merges mappings; scalars and lists of a later tree replace earlier ones whole. */
export function mergeTrees(...trees: ConfigTree[]): ConfigTree {
  const result: ConfigTree = {};
  for (const tree of trees) {
    for (const [key, value] of Object.entries(tree)) {
      const current = result[key];
      result[key] = isTree(current) && isTree(value) ? mergeTrees(current, value) : value;
    }
  }
  return result;
}

/** Every leaf of a tree with its dotted path (lists are leaves). */
export function leaves(tree: ConfigTree, prefix: string[] = []): Array<[string[], unknown]> {
  return Object.entries(tree).flatMap(([key, value]) =>
    isTree(value)
      ? leaves(value, [...prefix, key])
      : [[[...prefix, key], value] as [string[], unknown]],
  );
}

export function setPath(tree: ConfigTree, path: readonly string[], value: unknown): void {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (!isTree(next)) node[key] = {};
    node = node[key] as ConfigTree;
  }
  const last = path[path.length - 1];
  if (last !== undefined) node[last] = value;
}

import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { DEFAULT_CONFIG_DIR } from './sources.ts';

/** Every leaf setting of a YAML file with the comment written beside it. */
function documentedLeaves(text: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (node: Node | null, at: string): void => {
    if (!isMap(node)) return;
    for (const pair of node.items) {
      const key = `${at}${String((pair.key as { value?: unknown }).value)}`;
      const value = pair.value as Node | null;
      if (isMap(value)) walk(value, `${key}.`);
      else if (isScalar(value) || isSeq(value))
        found.set(key, (value.comment ?? value.commentBefore ?? '').trim());
    }
  };
  walk(parseDocument(text).contents, '');
  return found;
}

describe('the configuration files in config/', () => {
  it('give every setting a one-line comment', async () => {
    const files = (await readdir(DEFAULT_CONFIG_DIR)).filter((f) => f.endsWith('.yml'));
    expect(files).toContain('application.yml');
    for (const file of files) {
      const leaves = documentedLeaves(await readFile(path.join(DEFAULT_CONFIG_DIR, file), 'utf8'));
      for (const [setting, comment] of leaves)
        expect(comment, `${file}: ${setting} needs a comment`).not.toBe('');
    }
  });

  it('do not mark the settings services apply live as needing a restart', async () => {
    const read = async (file: string) =>
      documentedLeaves(await readFile(path.join(DEFAULT_CONFIG_DIR, file), 'utf8'));
    expect((await read('application.yml')).get('log.level')).not.toMatch(/restart required/);
    expect((await read('gateway.yml')).get('ingest.writeKeys')).not.toMatch(/restart required/);
  });
});

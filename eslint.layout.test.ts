import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The layout's lint rules on a throwaway project of probe files: a cycle and forbidden imports
// must be reported, the allowed directions must not. eslint.layout.js is plain JavaScript (the
// ESLint configuration loads it), hence the typed dynamic import.
const { layoutConfig } = (await import(
  pathToFileURL(path.join(import.meta.dirname, 'eslint.layout.js')).href
)) as { layoutConfig: (root: string) => Linter.Config };

const probes: Record<string, string> = {
  'lib/cycle-a.ts': "import { b } from './cycle-b.ts';\nexport const a = (): number => b() + 1;\n",
  'lib/cycle-b.ts':
    "import { a } from './cycle-a.ts';\nexport const b = (): number => 1;\nexport const again = a;\n",
  'lib/reads-settings.ts':
    "import { settings } from '../config/client/settings.ts';\nexport const s = settings;\n",
  'lib/reads-contract.ts':
    "import { contract } from '../schema/contract.ts';\nexport const c = contract;\n",
  'schema/contract.ts': 'export const contract = 1;\n',
  'schema/uses-runtime.ts': "import { c } from '../lib/reads-contract.ts';\nexport const u = c;\n",
  'lib/types-settings.ts':
    "import type { Settings } from '../config/client/settings.ts';\nexport type S = Settings;\n",
  'config/client/settings.ts': 'export const settings = 1;\nexport type Settings = number;\n',
  'events/uses-runtime.ts': "import { c } from '../lib/reads-contract.ts';\nexport const e = c;\n",
};

let root: string;
let eslint: ESLint;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'pulsehub-layout-'));
  for (const [file, text] of Object.entries(probes)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
  eslint = new ESLint({
    cwd: root,
    overrideConfigFile: true,
    overrideConfig: [
      { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } },
      layoutConfig(root),
    ],
  });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The rules each probe file breaks. */
async function reported(file: string): Promise<string[]> {
  const filePath = path.join(root, file);
  const [result] = await eslint.lintText(await readFile(filePath, 'utf8'), { filePath });
  return (result?.messages ?? []).map((message) => message.ruleId ?? message.message);
}

describe('the layout lint rules', () => {
  it('report an import cycle between .ts files', async () => {
    expect(await reported('lib/cycle-a.ts')).toContain('import-x/no-cycle');
    expect(await reported('lib/cycle-b.ts')).toContain('import-x/no-cycle');
  });

  it('report lib/ importing anything but lib/ and schema/', async () => {
    expect(await reported('lib/reads-settings.ts')).toEqual(['import-x/no-restricted-paths']);
    // A type is a dependency too: importing only types does not make it allowed.
    expect(await reported('lib/types-settings.ts')).toEqual(['import-x/no-restricted-paths']);
  });

  it('report schema/ importing project code', async () => {
    expect(await reported('schema/uses-runtime.ts')).toEqual(['import-x/no-restricted-paths']);
  });

  it('allow lib/ to import schema/ and the domain modules to import lib/', async () => {
    expect(await reported('lib/reads-contract.ts')).toEqual([]);
    expect(await reported('events/uses-runtime.ts')).toEqual([]);
  });
});

// Every command in README.md and docs/**/*.md, run against `npm start`, so the documentation
// never shows a command that fails or prints something else.
//
// Convention (docs/contributing.md):
// - A ```sh fenced block is run here by bash (`set -e -o pipefail`), from the repository root,
//   with TOKEN exported as `npm start` prints it, against a system started by `npm start` in
//   a sandbox (own topics, Redis key prefix, database, data folder) on the standard ports.
// - A command is one line, or several joined by a trailing backslash or an open quote. The `# ` comment lines
//   right after a command are its expected output, line by line; `…` matches anything.
//   Comment lines before a block's first command are prose and not compared. A command without
//   such lines only has to succeed.
// - Results arrive asynchronously (the processor and the archiver follow Kafka): a command
//   whose output differs is run again for up to RETRY_MS before it fails.
// - Blocks that must not run here (starting the system itself, backups against a real
//   database, long benchmarks) are fenced ```shell.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxEnv } from './support/child-service.ts';
import { eventually } from './support/http.ts';
import { REPO_ROOT } from './support/infra-settings.ts';
import { createSandbox, type Sandbox } from './support/isolation.ts';
import { runStartScript, type StartedSystem } from './support/start-script.ts';

const RETRY_MS = 10_000;
const COMMAND_TIMEOUT_MS = 60_000;

interface DocCommand {
  /** The command as bash reads it, continuation lines included. */
  script: string;
  /** Its expected output lines (the `# ` comments after it); empty: not compared. */
  expected: string[];
}

interface DocBlock {
  /** `file:line` of the opening fence. */
  where: string;
  commands: DocCommand[];
}

/** False while a command goes on: a trailing backslash, or a quote still open. */
function isComplete(script: string): boolean {
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < script.length; i++) {
    const char = script[i];
    if (quote === "'") {
      if (char === "'") quote = undefined;
    } else if (char === '\\') i++;
    else if (quote === '"') {
      if (char === '"') quote = undefined;
    } else if (char === "'" || char === '"') quote = char;
  }
  return quote === undefined && !script.endsWith('\\');
}

/** The ```sh blocks of one Markdown file, split into commands and their expected output. */
function shBlocks(file: string, text: string): DocBlock[] {
  const blocks: DocBlock[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trim() !== '```sh') continue;
    const block: DocBlock = { where: `${file}:${i + 1}`, commands: [] };
    let current: DocCommand | undefined;
    let continued = false;
    for (i++; i < lines.length && !(lines[i] ?? '').trim().startsWith('```'); i++) {
      const line = lines[i] ?? '';
      if (continued && current) {
        current.script += `\n${line}`;
      } else if (/^\s*#/.test(line)) {
        // Before the first command: prose; after one: its expected output.
        current?.expected.push(line.replace(/^\s*# ?/, ''));
      } else if (line.trim() !== '') {
        current = { script: line, expected: [] };
        block.commands.push(current);
      }
      continued = current !== undefined && !isComplete(current.script);
    }
    blocks.push(block);
  }
  return blocks;
}

/** Whether `output` is what `expected` says, line by line; `…` matches anything. */
function matchesExpected(output: string, expected: readonly string[]): boolean {
  if (expected.length === 0) return true;
  const actual = output.replace(/\s+$/, '').split('\n');
  if (actual.length !== expected.length) return false;
  return expected.every((line, index) => {
    const pattern = line
      .split('…')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    return new RegExp(`^${pattern}$`).test((actual[index] ?? '').replace(/\s+$/, ''));
  });
}

function markdownFiles(): string[] {
  const docs = readdirSync(path.join(REPO_ROOT, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.md'))
    .map((name) => path.join('docs', name))
    .sort();
  return ['README.md', ...docs];
}

const BLOCKS = markdownFiles().flatMap((file) =>
  shBlocks(file, readFileSync(path.join(REPO_ROOT, file), 'utf8')),
);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function bash(script: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-c', script],
      { cwd: REPO_ROOT, env, timeout: COMMAND_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

let sandbox: Sandbox;
let scratch: string;
let system: StartedSystem | undefined;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  sandbox = await createSandbox();
  scratch = await mkdtemp(path.join(tmpdir(), 'pulsehub-docs-'));
  const systemEnv = {
    ...sandboxEnv(sandbox),
    // The whole system, as a reader runs it: configuration from the Config service.
    CONFIG_SERVER_ENABLED: 'true',
    // setConfig commits in the documentation go to a repository of this run, not .data/.
    PULSEHUB_DATA_DIR: path.join(scratch, 'data'),
  };
  system = await runStartScript(systemEnv);
  env = { ...process.env, ...systemEnv, TOKEN: system.token };
});

afterAll(async () => {
  await system?.stop();
  await sandbox?.dispose();
  await rm(scratch, { recursive: true, force: true });
});

describe('every ```sh block of README.md and docs/', () => {
  it('finds blocks to run', () => {
    expect(BLOCKS.length).toBeGreaterThan(0);
  });

  it.each(BLOCKS)('$where', async (block) => {
    // Each block starts from the environment above; exports carry from command to command.
    const state = path.join(scratch, `${block.where.replace(/\W/g, '_')}.env`);
    await writeFile(state, '');
    for (const command of block.commands) {
      const script = `set -e -o pipefail\nsource "${state}"\n${command.script}\nexport -p > "${state}.next"`;
      let run = await bash(script, env);
      if (run.code === 0 && !matchesExpected(run.stdout, command.expected))
        await eventually(
          async () => {
            run = await bash(script, env);
            return run.code !== 0 || matchesExpected(run.stdout, command.expected)
              ? true
              : undefined;
          },
          RETRY_MS,
          250,
        ).catch(() => undefined);
      const shown = `${block.where}: ${command.script}\nstderr: ${run.stderr}`;
      expect(run.code, shown).toBe(0);
      // Shown as a difference from the documented lines when it does not match.
      if (!matchesExpected(run.stdout, command.expected))
        expect(run.stdout.replace(/\s+$/, ''), shown).toBe(command.expected.join('\n'));
      await bash(`cp "${state}.next" "${state}"`, env);
    }
  });
});

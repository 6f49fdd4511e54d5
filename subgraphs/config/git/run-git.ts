import { execFile } from 'node:child_process';

/** A git command that failed, with what git printed. */
export class GitError extends Error {
  override readonly name = 'GitError';
  constructor(
    readonly args: readonly string[],
    readonly stderr: string,
    readonly exitCode: number | string | null | undefined,
  ) {
    super(`git ${args[0] ?? ''} failed: ${stderr.trim() || `exit code ${String(exitCode)}`}`);
  }
}

const MAX_OUTPUT_BYTES = 64 * 1024 * 1024; // 64 MiB: far above any configuration repository

/**
 * Runs the `git` executable in `dir` without a shell (arguments are never interpreted), with
 * optional standard input, and resolves its standard output.
 */
export function runGit(dir: string, args: readonly string[], input?: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      ['-C', dir, ...args],
      { encoding: 'buffer', maxBuffer: MAX_OUTPUT_BYTES, windowsHide: true },
      (error, stdout, stderr) => {
        if (error)
          reject(new GitError(args, stderr.toString('utf8'), error.code ?? child.exitCode));
        else resolve(stdout);
      },
    );
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}

/** Like runGit, the output as trimmed text. */
export async function gitText(
  dir: string,
  args: readonly string[],
  input?: string,
): Promise<string> {
  return (await runGit(dir, args, input)).toString('utf8').trim();
}

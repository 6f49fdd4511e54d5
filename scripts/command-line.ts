/** A command-line argument the command does not accept; its message names the argument. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * The options of a command run from a shell (`npm run bench`, `npm run chaos`): `help` prints
 * the usage and exits 0, a UsageError prints its message and the usage and exits 2.
 */
export function parseArgsOrExit<T>(parse: () => T | 'help', usage: string): T {
  try {
    const parsed = parse();
    if (parsed === 'help') {
      process.stdout.write(`${usage}\n`);
      process.exit(0);
    }
    return parsed;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${usage}\n`);
    process.exit(2);
  }
}

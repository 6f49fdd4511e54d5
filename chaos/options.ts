// `npm run chaos [-- --only <name>] [--short]`.
import { UsageError } from '../scripts/command-line.ts';
import type { ChaosSize } from './scenario.ts';

export interface ChaosOptions {
  /** Scenario names to run, in the suite's order. */
  scenarios: string[];
  size: ChaosSize;
}

export const USAGE = `usage: npm run chaos [-- --only <scenario>[,<scenario>…]] [--short]
  --only   run only these scenarios (repeatable)
  --short  the e2e suite's size: about a tenth of the events`;

export function parseChaosArgs(
  args: readonly string[],
  known: readonly string[],
): ChaosOptions | 'help' {
  const only: string[] = [];
  let size: ChaosSize = 'full';
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--help' || arg === '-h') return 'help';
    else if (arg === '--short') size = 'short';
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg === '--only' ? args[++i] : arg.slice('--only='.length);
      if (!value) throw new UsageError('--only needs a scenario name');
      only.push(...value.split(',').filter(Boolean));
    } else throw new UsageError(`unknown argument ${arg}`);
  }
  const unknown = only.filter((name) => !known.includes(name));
  if (unknown.length > 0)
    throw new UsageError(`unknown scenario ${unknown.join(', ')} (known: ${known.join(', ')})`);
  return {
    scenarios: only.length > 0 ? known.filter((name) => only.includes(name)) : [...known],
    size,
  };
}

// Runs one scenario with its context and cleans up after it: the one way `npm run chaos` and
// the e2e suite's short versions run a scenario.
import { benchAuth } from '../bench/support/auth.ts';
import type { InfraAddresses } from '../test/support/namespace.ts';
import type { ChaosOutcome, ChaosScenario, ChaosSize } from './scenario.ts';

export async function runScenario(
  scenario: ChaosScenario,
  options: { size: ChaosSize; infra: InfraAddresses; log(line: string): void },
): Promise<ChaosOutcome> {
  const cleanups: Array<() => Promise<void>> = [];
  try {
    return await scenario.run({
      size: options.size,
      infra: options.infra,
      auth: await benchAuth(),
      log: options.log,
      defer: (cleanup) => cleanups.push(cleanup),
    });
  } finally {
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((error: unknown) => options.log(`cleanup failed: ${String(error)}`));
  }
}

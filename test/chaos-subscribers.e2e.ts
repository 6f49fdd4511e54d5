// The short version of `npm run chaos -- --only subscribers-across-faults` (docs/reliability.md).
import { describe, it } from 'vitest';
import { subscribersAcrossFaultsScenario } from '../chaos/scenarios/subscribers-across-faults.ts';
import { expectShortScenarioKept } from './support/chaos.ts';

describe('chaos: subscribers across faults (short)', () => {
  it('keeps every subscriber on increasing versions ending on Redis’s across a Profile subgraph kill -9 and a Redis drop', async () => {
    await expectShortScenarioKept(subscribersAcrossFaultsScenario, 3_000);
    // Above the scenario's own bounds (a 30 s give-up per batch, a 60 s wait for the restart
    // and for recovery), so that its cleanup stops every service before vitest gives up.
  }, 200_000);
});

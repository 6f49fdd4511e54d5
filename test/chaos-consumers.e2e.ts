// The short version of `npm run chaos -- --only consumers-killed` (docs/reliability.md).
import { describe, it } from 'vitest';
import { consumersKilledScenario } from '../chaos/scenarios/consumers-killed.ts';
import { expectShortScenarioKept } from './support/chaos.ts';

describe('chaos: consumers killed (short)', () => {
  it('counts and archives every acknowledged event exactly once across kill -9s of the processor and the archiver', async () => {
    await expectShortScenarioKept(consumersKilledScenario, 4_000);
    // Above the scenario's own bounds (a 30 s give-up per batch, a 60 s wait for recovery), so
    // that it ends, and its cleanup stops every service it started, before vitest gives up.
  }, 150_000);
});

// The short version of `npm run chaos -- --only broker-dies` (docs/reliability.md). The broker
// it kills is its own (chaos/dedicated-kafka.ts), not the one the other test files share.
import { describe, it } from 'vitest';
import { brokerDiesScenario } from '../chaos/scenarios/broker-dies.ts';
import { expectShortScenarioKept } from './support/chaos.ts';

describe('chaos: a broker dies (short)', () => {
  it('answers every request 200 or 503 + Retry-After in time and counts every 200 once', async () => {
    await expectShortScenarioKept(brokerDiesScenario, 2_500);
    // Above the scenario's own bounds (a 30 s give-up per batch, a 60 s wait for recovery), so
    // that it ends, and its cleanup stops every service it started, before vitest gives up.
  }, 150_000);
});

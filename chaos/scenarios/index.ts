import type { ChaosScenario } from '../scenario.ts';
import { brokerDiesScenario } from './broker-dies.ts';
import { consumersKilledScenario } from './consumers-killed.ts';
import { deletionUnderTrafficScenario } from './deletion-under-traffic.ts';
import { postgresOutageScenario } from './postgres-outage.ts';
import { processorFrozenScenario } from './processor-frozen.ts';
import { redisDataLossScenario } from './redis-data-loss.ts';
import { subscribersAcrossFaultsScenario } from './subscribers-across-faults.ts';

/** Every scenario, in the order `npm run chaos` runs them; add a new one here. */
export const SCENARIOS: readonly ChaosScenario[] = [
  consumersKilledScenario,
  brokerDiesScenario,
  postgresOutageScenario,
  redisDataLossScenario,
  deletionUnderTrafficScenario,
  processorFrozenScenario,
  subscribersAcrossFaultsScenario,
];

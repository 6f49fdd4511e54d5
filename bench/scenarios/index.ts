import type { Scenario } from '../support/scenario.ts';
import { archiverScenario } from './archiver.ts';
import { fanoutScenario } from './fanout.ts';
import { gatewayScenario } from './gateway.ts';
import { gatewayOverheadScenario } from './gateway-overhead.ts';
import { ingestScenario } from './ingest.ts';
import { latencyScenario } from './latency.ts';
import { processorScenario } from './processor.ts';

/** Every scenario, in the order `npm run bench` runs them. */
export const SCENARIOS: readonly Scenario[] = [
  processorScenario,
  latencyScenario,
  gatewayScenario,
  gatewayOverheadScenario,
  fanoutScenario,
  archiverScenario,
  ingestScenario,
];

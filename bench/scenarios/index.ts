import type { Scenario } from '../support/scenario.ts';
import { archiverScenario } from './archiver.ts';
import { gatewayScenario } from './gateway.ts';
import { ingestScenario } from './ingest.ts';
import { processorScenario } from './processor.ts';

/** Every scenario, in the order `npm run bench` runs them. */
export const SCENARIOS: readonly Scenario[] = [
  processorScenario,
  gatewayScenario,
  archiverScenario,
  ingestScenario,
];

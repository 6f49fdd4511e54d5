import type { Scenario } from '../support/scenario.ts';
import { archiverScenario } from './archiver.ts';
import { ingestScenario } from './ingest.ts';
import { processorScenario } from './processor.ts';

/** Every scenario, in the order `npm run bench` runs them. */
export const SCENARIOS: readonly Scenario[] = [processorScenario, archiverScenario, ingestScenario];

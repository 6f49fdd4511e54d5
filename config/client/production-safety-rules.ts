import { z } from 'zod';
import type { ProductionRule } from './production-safety.ts';
import { sharedProductionRules } from './production-safety-shared.ts';

/**
 * The production rules of a service, attached to its configuration schema (a zod registry),
 * so every path that loads a configuration with that schema (runService, loadLiveConfig,
 * loadServiceConfig, a reload) applies them without its caller passing them, and this package
 * needs to know nothing of the services. The rules live next to each service's schema.
 */
const rulesBySchema = z.registry<{ productionRules: readonly ProductionRule[] }>();

/** Attaches a service's own production rules to its schema; the shared ones always apply. */
export function withProductionRules<S extends z.ZodType>(
  schema: S,
  rules: readonly ProductionRule[],
): S {
  rulesBySchema.add(schema, { productionRules: rules });
  return schema;
}

export function productionRulesOf(schema: z.ZodType): readonly ProductionRule[] {
  return [...sharedProductionRules, ...(rulesBySchema.get(schema)?.productionRules ?? [])];
}

import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * prom-client's default gauges named `_total`, a suffix Prometheus reserves for counters
 * (`promtool check metrics` flags them). Each is the sum of its per-type gauge, which stays:
 * `sum(nodejs_active_handles)` is what `nodejs_active_handles_total` said.
 */
const MISNAMED_DEFAULT_GAUGES = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** A registry per process with Node's default metrics, labelled by service. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_DEFAULT_GAUGES) registry.removeSingleMetric(name);
  return registry;
}

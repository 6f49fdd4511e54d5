// What every scenario starts with: a namespace of its own, the whole system in it, and the
// verifier of its ledger. Everything is torn down after the scenario (context.defer).
import { createNamespace, type InfraAddresses, type Namespace } from '../test/support/namespace.ts';
import { sleep } from '../test/support/processor.ts';
import type { ChaosContext } from './scenario.ts';
import { startChaosSystem, type ChaosSystem } from './system.ts';

export interface ScenarioSystem {
  namespace: Namespace;
  system: ChaosSystem;
  /** Starts every userId and messageId of the run (no `_` or `%`: it is matched in SQL). */
  idPrefix: string;
}

export async function startScenarioSystem(
  context: ChaosContext,
  options: {
    /** Defaults to the shared infrastructure. */
    infra?: InfraAddresses;
    partitions: number;
    env?: Record<string, string>;
    firstEnv?: Record<string, string>;
  },
): Promise<ScenarioSystem> {
  const namespace = await createNamespace(options.infra ?? context.infra, {
    idPrefix: 'chaos',
    partitions: options.partitions,
  });
  context.defer(() => namespace.dispose());
  const system = await startChaosSystem(namespace, {
    env: { ...context.auth.serviceEnv, ...options.env },
    ...(options.firstEnv ? { firstEnv: options.firstEnv } : {}),
    consumerGroup: namespace.id,
    log: context.log,
  });
  context.defer(() => system.stop());
  return { namespace, system, idPrefix: namespace.id };
}

/** Resolves once `condition` holds, polled every 50 ms. */
export async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await sleep(50);
}

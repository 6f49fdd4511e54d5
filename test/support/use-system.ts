import { afterAll, beforeAll } from 'vitest';
import { createSandbox, type Sandbox } from './isolation.ts';
import { startSystem, type RunningSystem, type SystemOptions } from './system.ts';

export interface SystemSetup {
  /** Kafka partitions of the sandbox's topics (createSandbox's default otherwise). */
  partitions?: number;
  /** The system's options, or a function of the new sandbox returning them. */
  system?: SystemOptions | ((sandbox: Sandbox) => SystemOptions | Promise<SystemOptions>);
}

export interface SystemUnderTest {
  /** The sandbox of this file's describe block; throws before its beforeAll ran. */
  sandbox(): Sandbox;
  /** The system started on it; throws before its beforeAll ran. */
  system(): RunningSystem;
}

/**
 * A fresh sandbox and the whole system on it for the enclosing describe block: created in a
 * beforeAll, stopped and disposed in an afterAll. Hooks the block registers later run after
 * the start and before the stop, so they can use and clean up around the system.
 */
export function useSystem(setup: SystemSetup = {}): SystemUnderTest {
  let sandbox: Sandbox | undefined;
  let system: RunningSystem | undefined;
  beforeAll(async () => {
    sandbox = await createSandbox(
      setup.partitions === undefined ? {} : { partitions: setup.partitions },
    );
    const options = typeof setup.system === 'function' ? await setup.system(sandbox) : setup.system;
    system = await startSystem(sandbox, options);
  });
  afterAll(async () => {
    await system?.stop();
    await sandbox?.dispose();
  });
  return {
    sandbox() {
      if (sandbox === undefined) throw new Error('the sandbox is created in beforeAll');
      return sandbox;
    },
    system() {
      if (system === undefined) throw new Error('the system is started in beforeAll');
      return system;
    },
  };
}
